import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  atlasRootsFromEnv,
  CytoclipError,
  parseAtlasManifest,
  parseOntology,
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

/** Reads and validates an atlas completely (manifest, ontology, every annotation file) before anything is written. */
export async function loadAtlas(atlasDir: string, roots: string[] = atlasRootsFromEnv()): Promise<LoadedAtlas> {
  const dir = resolve(atlasDir);
  // Every file the manifest names stays inside the atlas (a symlink may lead under an atlas root): the shared rule.
  const inAtlas = (path: string, field: string) => resolveInAtlas(dir, path, roots, field);
  const manifestPath = join(dir, 'atlas.json');
  const manifest = parseAtlasManifest(await readJson(manifestPath, 'atlas manifest'), manifestPath);
  const ontologyPath = await inAtlas(manifest.ontology, 'ontology');
  const ontology = parseOntology(await readJson(ontologyPath, 'ontology'), ontologyPath);
  const specimens = new Map(manifest.specimens.map((s) => [s.id, s]));
  const sections: LoadedSection[] = [];
  for (const entry of manifest.sections) {
    // A training set is labelled tissue: an unannotated section (searchable after ingest) gives it nothing.
    if (entry.annotations === undefined) continue;
    const specimen = specimens.get(entry.specimen)!; // parseAtlasManifest checked every section's specimen
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
