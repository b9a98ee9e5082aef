import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Catalog } from '@cytoclip/catalog';
import { isInside, removeSectionCopies } from '@cytoclip/domain';
import type { VectorStore } from '@cytoclip/vectors';
import { applyWithdrawals } from './indexer.js';

/**
 * Removes an ingested atlas everywhere: its catalog rows (which records a withdrawal of its points), its points in
 * every collection (at once when this process holds the vector store, else by the indexer's next drain) and its
 * section copies under DATA_DIR. False when no atlas has that name (nothing is touched then).
 */
export async function removeAtlas(options: {
  catalog: Catalog;
  vectors?: VectorStore | undefined;
  dataDir: string;
  name: string;
}): Promise<boolean> {
  const { catalog, vectors, dataDir, name } = options;
  if (!(await catalog.deleteAtlas(name))) return false;
  if (vectors) await applyWithdrawals(catalog, vectors);
  await removeSectionCopies(dataDir, name);
  return true;
}

/** Deletes section copies (paths relative to DATA_DIR, as the catalog keeps them) that no row points at any more. */
export async function removeCopies(dataDir: string, paths: string[]): Promise<void> {
  const store = resolve(dataDir, 'sections');
  for (const path of paths) {
    const file = resolve(dataDir, path);
    if (isInside(file, store)) await rm(file, { force: true });
  }
}
