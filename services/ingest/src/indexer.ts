import type { Catalog, OutboxPoint } from '@cytoclip/catalog';
import type { PointPayload, VectorStore } from '@cytoclip/vectors';

/**
 * The outbox's one consumer: moves committed points into the vector store (upserts are idempotent by id), then
 * deletes them from the outbox. Killed between the two, the next drain repeats a harmless upsert.
 */
export async function drainOutbox(
  catalog: Catalog,
  vectors: VectorStore,
  options: { batch?: number } = {},
): Promise<number> {
  const ensured = new Set<string>();
  let moved = 0;
  for (;;) {
    const entries = await catalog.readOutbox(options.batch ?? 2000);
    if (entries.length === 0) break;
    await upsertPoints(vectors, entries, ensured);
    await catalog.deleteOutbox(entries.map((e) => e.id));
    moved += entries.length;
  }
  await vectors.flush();
  return moved;
}

async function upsertPoints(vectors: VectorStore, points: OutboxPoint[], ensured: Set<string>): Promise<void> {
  const byCollection = new Map<string, OutboxPoint[]>();
  for (const p of points) {
    const list = byCollection.get(p.collection);
    if (list) list.push(p);
    else byCollection.set(p.collection, [p]);
  }
  for (const [collection, list] of byCollection) {
    if (!ensured.has(collection)) {
      await vectors.ensureCollection(collection, { dim: list[0]!.vector.length });
      ensured.add(collection);
    }
    await vectors.upsert(
      collection,
      list.map((p) => ({ id: p.pointId, vector: p.vector, payload: p.payload as unknown as PointPayload })),
    );
  }
}

/**
 * Indexes sections as they commit, from the points still in memory: the same upsert-then-delete as drainOutbox,
 * without reading the vectors back out of the catalog, and overlapped with the next sections' work. Moves run one
 * at a time; one that fails leaves its points in the outbox for the final drainOutbox, which reports the error.
 */
export class SectionIndexer {
  private chain: Promise<void> = Promise.resolve();
  private readonly ensured = new Set<string>();
  private moved = 0;

  constructor(
    private readonly catalog: Catalog,
    private readonly vectors: VectorStore,
  ) {}

  add(points: OutboxPoint[], outboxIds: number[]): void {
    this.chain = this.chain.then(async () => {
      try {
        await upsertPoints(this.vectors, points, this.ensured);
        await this.catalog.deleteOutbox(outboxIds);
        this.moved += points.length;
      } catch {
        // Left in the outbox: drainOutbox retries these points and surfaces a lasting failure.
      }
    });
  }

  /** Waits for the moves so far, then drains whatever is left in the outbox (and flushes the store). Points moved. */
  async finish(): Promise<number> {
    await this.chain;
    return this.moved + (await drainOutbox(this.catalog, this.vectors));
  }
}
