import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  atlasRootsFromEnv,
  CytoclipError,
  isPlane,
  resolveInAtlas,
  type AtlasManifest,
  type Ontology,
  type SectionEntry,
  type Specimen,
} from '@cytoclip/domain';
import { parseAnnotations, type SectionAnnotations } from '@cytoclip/slides';

export interface LoadedSection {
  entry: SectionEntry;
  specimen: Specimen;
  imagePath: string;
  annotations: SectionAnnotations;
}

export interface LoadedAtlas {
  dir: string;
  manifest: AtlasManifest;
  ontology: Ontology;
  sections: LoadedSection[];
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CytoclipError('missing_file', `${what} not found: ${path}`, {
      status: 404,
      detail: { path },
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CytoclipError('invalid_json', `${what} is not valid JSON: ${path}: ${(error as Error).message}`, {
      status: 422,
      detail: { path },
      cause: error,
    });
  }
}

function invalid(message: string, detail: Record<string, unknown> = {}): never {
  throw new CytoclipError('invalid_atlas', message, { status: 422, detail });
}

function checkManifest(raw: unknown, path: string): AtlasManifest {
  const m = raw as Partial<AtlasManifest> | null;
  if (!m || typeof m !== 'object') invalid(`${path}: not a JSON object`);
  if (m.format !== 'cytoclip-atlas/1')
    invalid(`${path}: unknown atlas format ${JSON.stringify(m.format)} (this builder reads cytoclip-atlas/1)`);
  if (typeof m.name !== 'string' || !m.name) invalid(`${path}: missing "name"`);
  if (typeof m.ontology !== 'string') invalid(`${path}: missing "ontology"`);
  if (!Array.isArray(m.specimens) || !Array.isArray(m.sections))
    invalid(`${path}: "specimens" and "sections" must be arrays`);
  for (const s of m.specimens) {
    if (typeof s?.id !== 'string' || !Number.isFinite(s.gestationalWeek))
      invalid(`${path}: specimen ${JSON.stringify(s?.id)} needs an id and a numeric gestationalWeek`);
  }
  for (const s of m.sections) {
    const where = `${path}: section ${JSON.stringify(s?.id)}`;
    if (typeof s?.id !== 'string' || typeof s.image !== 'string' || typeof s.annotations !== 'string')
      invalid(`${where} needs id, image and annotations`);
    if (!isPlane(s.plane)) invalid(`${where}: unknown plane ${JSON.stringify(s.plane)}`);
    if (!(s.micronsPerPixel > 0)) invalid(`${where}: micronsPerPixel must be positive`);
  }
  return m as AtlasManifest;
}

function checkOntology(raw: unknown, path: string): Ontology {
  const o = raw as Partial<Ontology> | null;
  if (!o || o.format !== 'cytoclip-ontology/1')
    invalid(`${path}: unknown ontology format ${JSON.stringify(o?.format)} (expected cytoclip-ontology/1)`);
  if (!Array.isArray(o.regions) || o.regions.length === 0) invalid(`${path}: no regions`);
  return o as Ontology;
}

/** Reads and validates an atlas completely (manifest, ontology, every annotation file) before anything is written. */
export async function loadAtlas(atlasDir: string, roots: string[] = atlasRootsFromEnv()): Promise<LoadedAtlas> {
  const dir = resolve(atlasDir);
  // Every file the manifest names stays inside the atlas (a symlink may lead under an atlas root): the shared rule.
  const inAtlas = (path: string, field: string) => resolveInAtlas(dir, path, roots, field);
  const manifestPath = join(dir, 'atlas.json');
  const manifest = checkManifest(await readJson(manifestPath, 'atlas manifest'), manifestPath);
  const ontologyPath = await inAtlas(manifest.ontology, 'ontology');
  const ontology = checkOntology(await readJson(ontologyPath, 'ontology'), ontologyPath);
  const specimens = new Map(manifest.specimens.map((s) => [s.id, s]));
  const sections: LoadedSection[] = [];
  for (const entry of manifest.sections) {
    const specimen = specimens.get(entry.specimen);
    if (!specimen)
      invalid(`${manifestPath}: section ${entry.id} names unknown specimen ${JSON.stringify(entry.specimen)}`);
    const annotationsPath = await inAtlas(entry.annotations, `section ${entry.id} annotations`);
    const annotations = parseAnnotations(
      await readJson(annotationsPath, `annotations of ${entry.id}`),
      ontology,
      entry.annotations,
    );
    const imagePath = await inAtlas(entry.image, `section ${entry.id} image`);
    sections.push({ entry, specimen, imagePath, annotations });
  }
  return { dir, manifest, ontology, sections };
}
