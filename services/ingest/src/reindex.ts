import type { Catalog } from '@cytoclip/catalog';
import { CytoclipError, type SparseVector } from '@cytoclip/domain';
import type { StoredPoint, VectorStore } from '@cytoclip/vectors';
import { annotationText, withLexical } from './lexical.js';

export interface ReindexOptions {
  catalog: Catalog;
  vectors: VectorStore;
  /** Model ids (`name@version`) to reindex; all indexed models when absent. */
  models?: string[];
  onSection?: (model: string, section: string) => void;
}

export interface ReindexedCollection {
  model: string;
  collection: string;
  points: number;
  /** Points written again with a new or changed lexical vector. */
  updated: number;
  /** Points whose lexical vector was already the one the builder gives. */
  unchanged: number;
  /** Points with a lexical vector afterwards, and the collection's size. */
  coverage: { points: number; lexical: number };
}

const BATCH = 512;

/**
 * Gives every stored point the lexical vector of its annotation, from the same builder ingest uses: for data ingested
 * before lexical vectors existed, or after the ontology or thesaurus changed. Walks each model's collection section by
 * section, rewriting only points whose lexical vector differs (their dense vector and payload as stored), so a second
 * run writes nothing.
 */
export async function reindexLexical(options: ReindexOptions): Promise<ReindexedCollection[]> {
  const { catalog, vectors } = options;
  const text = await annotationText(catalog);
  const stored = new Map((await vectors.listCollections()).map((c) => [c.name, c]));
  const models = (await catalog.listModels()).filter(
    (m) => stored.has(m.collection) && (!options.models || options.models.includes(m.id)),
  );
  const unknown = options.models?.filter((id) => !models.some((m) => m.id === id)) ?? [];
  if (unknown.length)
    throw new CytoclipError('unknown_model', `no indexed model ${unknown.join(', ')}`, {
      status: 404,
      detail: { field: 'model' },
    });
  const sections = (await Promise.all((await catalog.listAtlases()).map((a) => catalog.listSections(a.name)))).flat();
  const out: ReindexedCollection[] = [];
  for (const model of models) {
    const { collection } = model;
    const probe = new Float32Array(stored.get(collection)!.dim);
    probe[0] = 1; // any unit vector lists a section's points; the scores are not used
    const done = { model: model.id, collection, points: 0, updated: 0, unchanged: 0 };
    for (const section of sections) {
      const ids = (await vectors.scoreAll(collection, probe, { atlases: [section.atlas], sections: [section.id] })).map(
        (hit) => hit.id,
      );
      for (let i = 0; i < ids.length; i += BATCH) {
        const points = await vectors.get(collection, ids.slice(i, i + BATCH), true);
        const changed = points.filter((p) => !sameSparse(p.lexical, withLexical(text, dense(p)).lexical));
        if (changed.length)
          await vectors.upsert(
            collection,
            changed.map((p) => withLexical(text, dense(p))),
          );
        done.points += points.length;
        done.updated += changed.length;
        done.unchanged += points.length - changed.length;
      }
      options.onSection?.(model.id, section.id);
    }
    await vectors.flush();
    const coverage = await vectors.lexicalCoverage(collection);
    if (done.updated > 0 && coverage.lexical === 0) {
      throw new CytoclipError(
        'unsupported_collection',
        `collection ${collection} cannot hold lexical vectors (a Qdrant collection created before them): ` +
          `remove the atlases and ingest them again into a new collection`,
      );
    }
    out.push({ ...done, coverage });
  }
  return out;
}

function dense(point: StoredPoint): { id: string; vector: Float32Array; payload: StoredPoint['payload'] } {
  return { id: point.id, vector: point.vector!, payload: point.payload };
}

/** Equal up to float32 rounding (a store may keep the weights as f32). */
function sameSparse(a: SparseVector | undefined, b: SparseVector | undefined): boolean {
  if (!a || !b) return !a && !b;
  if (a.indices.length !== b.indices.length) return false;
  return a.indices.every((t, i) => t === b.indices[i] && Math.fround(a.values[i]!) === Math.fround(b.values[i]!));
}
