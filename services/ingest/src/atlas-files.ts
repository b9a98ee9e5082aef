import { access, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  ATLAS_FORMAT,
  atlasRootsFromEnv,
  CytoclipError,
  parseAtlasManifest,
  parseOntology,
  resolveInAtlas,
  type AtlasManifest,
  type Ontology,
  type SectionEntry,
} from '@cytoclip/domain';
import { parseAnnotations, type SectionAnnotations } from '@cytoclip/slides';

export { ATLAS_FORMAT };

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
  const manifest = parseAtlasManifest(await readJson(file, 'atlas manifest'), file);
  const root = dirname(file);
  const ontologyFile = await resolveInAtlas(root, manifest.ontology, roots, 'ontology');
  const ontology = parseOntology(await readJson(ontologyFile, 'ontology'), ontologyFile);
  return { root, manifest, ontology, roots };
}

/**
 * Per-section checks done before any image is decoded: its files lie inside the atlas (checked again: the folder may
 * have changed since readAtlas), exist, and the annotations parse against the ontology. A section that fails is
 * recorded as a failed job; the others go on. Returns the image's path and the parsed annotations (null for an
 * unannotated section, one whose atlas entry names no annotations).
 */
export async function checkSectionFiles(
  atlas: AtlasFiles,
  section: SectionEntry,
): Promise<{ image: string; annotationsPath: string | null; annotations: SectionAnnotations | null }> {
  const { image, annotations: path } = await sectionPaths(atlas, section);
  if (path === null) return { image, annotationsPath: null, annotations: null };
  const what = `annotations of section ${section.id}`;
  return {
    image,
    annotationsPath: path,
    annotations: parseAnnotations(await readJson(path, what), atlas.ontology, path),
  };
}

/**
 * A section's image and annotations (null when it is unannotated), each confined to the atlas (resolveInAtlas); the
 * image must exist.
 */
export async function sectionPaths(
  atlas: AtlasFiles,
  section: SectionEntry,
): Promise<{ image: string; annotations: string | null }> {
  const image = await resolveInAtlas(atlas.root, section.image, atlas.roots, `section ${section.id} image`);
  await access(image).catch((cause: unknown) => {
    throw new CytoclipError('section_file_missing', `section ${section.id}: image not found: ${image}`, {
      status: 404,
      cause,
      detail: { section: section.id, path: image },
    });
  });
  if (section.annotations === undefined) return { image, annotations: null };
  const annotations = await resolveInAtlas(
    atlas.root,
    section.annotations,
    atlas.roots,
    `section ${section.id} annotations`,
  );
  return { image, annotations };
}
