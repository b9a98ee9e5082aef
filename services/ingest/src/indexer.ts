import type { Catalog, OutboxPoint } from '@cytoclip/catalog';
import type { AnnotationText } from '@cytoclip/domain';
import type { PointPayload, VectorStore } from '@cytoclip/vectors';
import { annotationText, withLexical } from './lexical.js';

/**
 * The outbox's one consumer: moves committed points into the vector store (upserts are idempotent by id), then
 * deletes them from the outbox. Killed between the two, the next drain repeats a harmless upsert.
 */
export async function drainOutbox(
  catalog: Catalog,
  vectors: VectorStore,
  options: { batch?: number; signal?: AbortSignal } = {},
): Promise<number> {
  await applyWithdrawals(catalog, vectors);
  const ensured = new Set<string>();
  let text: AnnotationText | null = null;
  let moved = 0;
  // Stopping (SIGTERM) ends the drain between batches: what is left waits in the outbox for the next one.
  while (!options.signal?.aborted) {
    const entries = await catalog.readOutbox(options.batch ?? 2000);
    if (entries.length === 0) break;
    text ??= await annotationText(catalog);
    await upsertPoints(vectors, entries, ensured, text);
    await catalog.deleteOutbox(entries.map((e) => e.id));
    moved += entries.length;
  }
  await vectors.flush();
  return moved;
}

/**
 * Drops from the vector store the points of withdrawn sections and removed atlases, from every collection that
 * exists, then forgets the withdrawals. Runs before any newer point is stored: a withdrawal is always recorded before
 * the redone section's points are committed, so it can never delete them. Returns the withdrawals applied.
 */
export async function applyWithdrawals(catalog: Catalog, vectors: VectorStore): Promise<number> {
  const pending = await catalog.readWithdrawals();
  if (pending.length === 0) return 0;
  const stored = new Set((await vectors.listCollections()).map((c) => c.name));
  const collections = (await catalog.listModels()).map((m) => m.collection).filter((c) => stored.has(c));
  for (const w of pending)
    for (const collection of collections)
      await vectors.deleteWhere(
        collection,
        w.section === null ? { atlas: w.atlas } : { atlas: w.atlas, section: w.section },
      );
  await catalog.deleteWithdrawals(pending.map((w) => w.id));
  return pending.length;
}

/** Each point goes in with the lexical vector of its annotation (region and age), built here from the catalog. */
async function upsertPoints(
  vectors: VectorStore,
  points: OutboxPoint[],
  ensured: Set<string>,
  text: AnnotationText,
): Promise<void> {
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
      list.map((p) =>
        withLexical(text, { id: p.pointId, vector: p.vector, payload: p.payload as unknown as PointPayload }),
      ),
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
  private text: AnnotationText | null = null;
  private moved = 0;

  constructor(
    private readonly catalog: Catalog,
    private readonly vectors: VectorStore,
  ) {}

  add(points: OutboxPoint[], outboxIds: number[]): void {
    this.chain = this.chain.then(async () => {
      try {
        await applyWithdrawals(this.catalog, this.vectors);
        this.text ??= await annotationText(this.catalog);
        await upsertPoints(this.vectors, points, this.ensured, this.text);
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

  /** Shutting down: waits for the moves so far and flushes; the rest of the outbox waits for the next drain. */
  async settle(): Promise<number> {
    await this.chain;
    await this.vectors.flush();
    return this.moved;
  }
}
