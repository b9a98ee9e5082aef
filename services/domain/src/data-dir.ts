import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isInside } from './atlas-paths.js';

// The layout of what ingest writes under DATA_DIR, for every package that reads or removes it (ingest writes the
// copies, the API and the CLI remove an atlas's).

/** Where ingest keeps an atlas's section copies (tiled pyramidal TIFFs): DATA_DIR/sections/<atlas name>. */
export function sectionCopiesDir(dataDir: string, atlas: string): string {
  return resolve(dataDir, 'sections', atlas);
}

/** Removes an atlas's section copies; only a folder strictly inside DATA_DIR/sections (a name the catalog knew). */
export async function removeSectionCopies(dataDir: string, atlas: string): Promise<void> {
  const store = resolve(dataDir, 'sections');
  const copies = sectionCopiesDir(dataDir, atlas);
  if (isInside(copies, store) && copies !== store) await rm(copies, { recursive: true, force: true });
}
