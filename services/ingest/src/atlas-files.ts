import { access, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  atlasRootsFromEnv,
  CytoclipError,
  isPlane,
  resolveInAtlas,
  type AtlasManifest,
  type Ontology,
  type SectionEntry,
} from '@cytoclip/domain';
import { parseOntology } from '@cytoclip/model';
import { parseAnnotations, type SectionAnnotations } from '@cytoclip/slides';

export const ATLAS_FORMAT = 'cytoclip-atlas/1';

export interface AtlasFiles {
  /** Folder of atlas.json: relative paths in the manifest are resolved against it. */
  root: string;
  manifest: AtlasManifest;
  ontology: Ontology;
  /** Folders a symlink inside the atlas may point into (CYTOCLIP_ATLAS_ROOTS). */
  roots: string[];
}

/** Accepts the atlas folder or its atlas.json. */
export function manifestPath(path: string): string {
  return path.endsWith('.json') ? resolve(path) : join(resolve(path), 'atlas.json');
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CytoclipError('atlas_file_missing', `${what} not found: ${path}`, {
      status: 404,
      cause,
      detail: { path },
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse quotes the text it choked on: the error names the file and the place, never its content.
    throw new CytoclipError('atlas_invalid', `${what} is not valid JSON: ${path}`, {
      status: 422,
      detail: { path },
    });
  }
}

/**
 * Reads and validates atlas.json and its ontology; the whole ingest is refused when either is wrong or the ontology
 * lies outside the atlas folder. `roots`: where a symlink inside the atlas may lead (each section's files are checked
 * when the section is worked on, so one bad path fails that section alone).
 */
export async function readAtlas(path: string, roots: string[] = atlasRootsFromEnv()): Promise<AtlasFiles> {
  const file = manifestPath(path);
  const manifest = checkManifest(await readJson(file, 'atlas manifest'), file);
  const root = dirname(file);
  const ontologyFile = await resolveInAtlas(root, manifest.ontology, roots, 'ontology');
  const ontology = parseOntology(await readJson(ontologyFile, 'ontology'), ontologyFile);
  return { root, manifest, ontology, roots };
}

function invalid(file: string, why: string, detail: Record<string, unknown> = {}): CytoclipError {
  return new CytoclipError('atlas_invalid', `${file}: ${why}`, { status: 422, detail: { file, ...detail } });
}

const SAFE_ID = /^[A-Za-z0-9][\w.-]*$/;

function checkManifest(raw: unknown, file: string): AtlasManifest {
  const m = raw as Partial<AtlasManifest> | null;
  if (!m || typeof m !== 'object') throw invalid(file, 'not a JSON object');
  if (m.format !== ATLAS_FORMAT)
    throw new CytoclipError(
      'unsupported_format',
      `${file}: format ${JSON.stringify(m.format)} is not "${ATLAS_FORMAT}"`,
      { status: 422 },
    );
  if (typeof m.name !== 'string' || !SAFE_ID.test(m.name))
    throw invalid(file, `"name" must be letters, digits, . _ - (got ${JSON.stringify(m.name)})`);
  if (typeof m.ontology !== 'string') throw invalid(file, '"ontology" must name the ontology file');
  if (!Array.isArray(m.specimens) || !Array.isArray(m.sections))
    throw invalid(file, '"specimens" and "sections" must be lists');
  const specimens = new Set<string>();
  for (const s of m.specimens) {
    if (typeof s?.id !== 'string' || !SAFE_ID.test(s.id))
      throw invalid(file, `specimen id ${JSON.stringify(s?.id)} is not a safe id`);
    if (typeof s.gestationalWeek !== 'number' || !(s.gestationalWeek > 0 && s.gestationalWeek < 60))
      throw invalid(file, `specimen ${s.id}: gestationalWeek must be a number of weeks`, { specimen: s.id });
    if (specimens.has(s.id)) throw invalid(file, `specimen ${s.id} appears twice`);
    specimens.add(s.id);
  }
  const sections = new Set<string>();
  for (const s of m.sections) checkSection(s, file, specimens, sections);
  return m as AtlasManifest;
}

function checkSection(s: SectionEntry, file: string, specimens: Set<string>, seen: Set<string>): void {
  const id = s?.id;
  if (typeof id !== 'string' || !SAFE_ID.test(id))
    throw invalid(file, `section id ${JSON.stringify(id)} is not a safe id`);
  if (seen.has(id)) throw invalid(file, `section ${id} appears twice`);
  seen.add(id);
  const bad = (why: string) => invalid(file, `section ${id}: ${why}`, { section: id });
  if (!specimens.has(s.specimen)) throw bad(`unknown specimen ${JSON.stringify(s.specimen)}`);
  if (!isPlane(s.plane)) throw bad(`plane must be coronal, sagittal or axial (got ${JSON.stringify(s.plane)})`);
  if (!Number.isInteger(s.index)) throw bad('index must be an integer');
  if (typeof s.image !== 'string' || typeof s.annotations !== 'string')
    throw bad('"image" and "annotations" must be file paths');
  if (typeof s.micronsPerPixel !== 'number' || !(s.micronsPerPixel > 0))
    throw bad('micronsPerPixel must be a positive number');
  if (typeof s.stain !== 'string') throw bad('stain must be a string');
}

/**
 * Per-section checks done before any image is decoded: both files lie inside the atlas (checked again: the folder may
 * have changed since readAtlas), exist, and the annotations parse against the ontology. A section that fails is
 * recorded as a failed job; the others go on. Returns the image's path and the parsed annotations.
 */
export async function checkSectionFiles(
  atlas: AtlasFiles,
  section: SectionEntry,
): Promise<{ image: string; annotationsPath: string; annotations: SectionAnnotations }> {
  const { image, annotations: path } = await sectionPaths(atlas, section);
  const what = `annotations of section ${section.id}`;
  return {
    image,
    annotationsPath: path,
    annotations: parseAnnotations(await readJson(path, what), atlas.ontology, path),
  };
}

/** A section's image and annotations, each confined to the atlas (resolveInAtlas); the image must exist. */
export async function sectionPaths(
  atlas: AtlasFiles,
  section: SectionEntry,
): Promise<{ image: string; annotations: string }> {
  const image = await resolveInAtlas(atlas.root, section.image, atlas.roots, `section ${section.id} image`);
  await access(image).catch((cause: unknown) => {
    throw new CytoclipError('section_file_missing', `section ${section.id}: image not found: ${image}`, {
      status: 404,
      cause,
      detail: { section: section.id, path: image },
    });
  });
  const annotations = await resolveInAtlas(
    atlas.root,
    section.annotations,
    atlas.roots,
    `section ${section.id} annotations`,
  );
  return { image, annotations };
}
