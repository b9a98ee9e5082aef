import type { Catalog } from '@cytoclip/catalog';
import type { PointPayload, VectorStore } from '@cytoclip/vectors';

/**
 * The outbox's one consumer: moves committed points into the vector store (upserts are idempotent by id), then
 * deletes them from the outbox. Killed between the two, the next drain repeats a harmless upsert.
 */
export async function drainOutbox(catalog: Catalog, vectors: VectorStore, options: { batch?: number } = {}): Promise<number> {
  const ensured = new Set<string>();
  let moved = 0;
  for (;;) {
    const entries = await catalog.readOutbox(options.batch ?? 2000);
    if (entries.length === 0) break;
    const byCollection = new Map<string, typeof entries>();
    for (const e of entries) byCollection.set(e.collection, [...(byCollection.get(e.collection) ?? []), e]);
    for (const [collection, list] of byCollection) {
      if (!ensured.has(collection)) {
        await vectors.ensureCollection(collection, { dim: list[0]!.vector.length });
        ensured.add(collection);
      }
      await vectors.upsert(collection, list.map((e) => ({ id: e.pointId, vector: e.vector, payload: e.payload as unknown as PointPayload })));
    }
    await catalog.deleteOutbox(entries.map((e) => e.id));
    moved += entries.length;
  }
  await vectors.flush();
  return moved;
}
