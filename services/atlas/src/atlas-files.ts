import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import {
  CytoclipError,
  isInside,
  parseAtlasManifest,
  parseOntology,
  type AtlasManifest,
  type Ontology,
} from '@cytoclip/domain';

// The one writer of an atlas folder's files (formats.md §1): the generator, `cytoclip atlas init` and the importers
// call it, so what they write is what domain's readers (and so ingest) accept.

export interface AtlasFiles {
  manifest: AtlasManifest;
  /** Written to the file the manifest names (`manifest.ontology`); null or absent leaves that file as it is. */
  ontology?: Ontology | null;
}

export interface WrittenAtlasFiles {
  atlas: string;
  ontology: string | null;
}

/** JSON as a person reads and edits it: two-space indents, a final newline. */
export function atlasJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Writes beside the target and renames it into place, so a reader never sees half a file. */
async function writeWhole(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Checks atlas.json (and the ontology, when given) with domain's readers, then writes the ontology and atlas.json into
 * `dir`, atlas.json last: a folder whose atlas.json is new has its ontology already. A manifest the readers refuse
 * is refused here (their `atlas_invalid`, `ontology_invalid`, `unsupported_format`) and nothing is written.
 */
export async function writeAtlasFiles(dir: string, files: AtlasFiles): Promise<WrittenAtlasFiles> {
  const manifest = parseAtlasManifest(files.manifest, 'atlas.json');
  const ontology = files.ontology ? parseOntology(files.ontology, manifest.ontology) : null;
  const ontologyPath = ontology ? join(dir, manifest.ontology) : null;
  if (ontologyPath && (isAbsolute(manifest.ontology) || !isInside(resolve(ontologyPath), resolve(dir))))
    throw new CytoclipError('atlas_invalid', `atlas.json: "ontology" must name a file inside the atlas folder`, {
      status: 422,
      detail: { file: 'atlas.json', field: 'ontology' },
    });
  if (ontologyPath) await writeWhole(ontologyPath, atlasJsonText(ontology));
  const atlasPath = join(dir, 'atlas.json');
  await writeWhole(atlasPath, atlasJsonText(manifest));
  return { atlas: atlasPath, ontology: ontologyPath };
}
