import type { Catalog } from '@cytoclip/catalog';
import { DATA_VERSION, staleDataMessage, type StaleCollection, type VectorStore } from '@cytoclip/vectors';

/**
 * The model collections of DATA_DIR (or Qdrant) whose points were written before the current data format: what
 * `start` and `serve` warn about at start, and what `cytoclip reindex` brings up to date. The catalog needs no such
 * check: its drizzle migrations are applied when it opens.
 */
export async function staleCollections(stores: { catalog: Catalog; vectors: VectorStore }): Promise<StaleCollection[]> {
  const stored = new Set((await stores.vectors.listCollections()).map((c) => c.name));
  const stale: StaleCollection[] = [];
  for (const model of await stores.catalog.listModels()) {
    if (!stored.has(model.collection)) continue;
    const version = await stores.vectors.dataVersion(model.collection);
    if (version < DATA_VERSION) stale.push({ collection: model.collection, version });
  }
  return stale;
}

/** The warning to print and log, or null when every collection is current. */
export async function staleDataWarning(stores: { catalog: Catalog; vectors: VectorStore }): Promise<string | null> {
  return staleDataMessage(await staleCollections(stores));
}
