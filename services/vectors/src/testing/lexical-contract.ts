import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, documentVector, lexicalQuery, type SearchFilter, type SparseVector } from '@cytoclip/domain';
import type { LexicalHit, VectorPoint, VectorStore } from '../types.js';
import { dot, makePoints, randomUnit, rng } from './fixtures.js';

const DIM = 16;
const COLLECTION = 'contract-lexical@1';

/** Annotation texts per region, as ingest would build them (shorter): CP and SP share "neurons" and "cortical". */
const TEXTS: Record<string, string> = {
  CP: 'cortical plate: a dense band of radially aligned young neurons, cortical',
  SP: 'subplate: a loose cortical zone of scattered neurons beneath the cortical plate',
  GE: 'ganglionic eminence: proliferative bulge in the floor of the lateral ventricle',
};

/** The fixture points, every fifth left without a lexical vector (an unannotated tile, or one ingested earlier). */
function lexicalPoints(): VectorPoint[] {
  return makePoints(DIM, 24, 11).map((p, i) =>
    i % 5 === 4 ? p : { ...p, lexical: documentVector(analyze(TEXTS[p.payload.region!]!)) },
  );
}

/** BM25 by brute force (Qdrant's IDF: ln(1 + (N − n + 0.5)/(n + 0.5)) over points with a lexical vector). */
function bm25(points: VectorPoint[], query: SparseVector): Map<string, number> {
  const withLexical = points.filter((p) => p.lexical);
  const df = (term: number) => withLexical.filter((p) => p.lexical!.indices.includes(term)).length;
  const out = new Map<string, number>();
  for (const p of withLexical) {
    let score = 0;
    query.indices.forEach((term, q) => {
      const at = p.lexical!.indices.indexOf(term);
      if (at < 0) return;
      const n = df(term);
      score += query.values[q]! * Math.log(1 + (withLexical.length - n + 0.5) / (n + 0.5)) * p.lexical!.values[at]!;
    });
    if (score > 0) out.set(p.id, score);
  }
  return out;
}

/** The lexical list by brute force: BM25, then dense cosine, then id. */
function expected(points: VectorPoint[], text: string, dense: Float32Array, keep: (p: VectorPoint) => boolean) {
  const scores = bm25(points, lexicalQuery(text));
  return points
    .filter((p) => scores.has(p.id) && keep(p))
    .map((p) => ({ id: p.id, lexical: scores.get(p.id)!, score: dot(dense, p.vector) }))
    .sort((a, b) => b.lexical - a.lexical || b.score - a.score || (a.id < b.id ? -1 : 1));
}

/** The lexical list and the stored sparse vectors, as every store must keep them. */
export function lexicalContract(name: string, open: () => Promise<VectorStore>): void {
  describe(`VectorStore lexical contract: ${name}`, () => {
    let store: VectorStore;
    const points = lexicalPoints();
    const dense = randomUnit(rng(5), DIM);
    const search = (text: string, limit: number, filter?: SearchFilter): Promise<LexicalHit[]> =>
      store.searchLexical(COLLECTION, lexicalQuery(text), { limit, vector: dense, ...(filter ? { filter } : {}) });
    const ids = (hits: { id: string }[]) => hits.map((h) => h.id);

    beforeAll(async () => {
      store = await open();
      await store.ensureCollection(COLLECTION, { dim: DIM });
      await store.upsert(COLLECTION, points);
    });
    afterAll(async () => {
      await store.dropCollection(COLLECTION);
      await store.close();
    });

    it('counts the points that carry a lexical vector', async () => {
      expect(await store.lexicalCoverage(COLLECTION)).toEqual({
        points: points.length,
        lexical: points.filter((p) => p.lexical).length,
      });
    });

    it('ranks by BM25 with IDF from the collection, equal BM25 by dense cosine; score is the cosine', async () => {
      const want = expected(points, 'dense neurons of the subplate', dense, () => true);
      const hits = await search('dense neurons of the subplate', 200);
      expect(ids(hits)).toEqual(ids(want));
      hits.forEach((hit, i) => {
        expect(hit.lexical).toBeCloseTo(want[i]!.lexical, 4);
        expect(hit.score).toBeCloseTo(want[i]!.score, 5);
        expect(hit.payload.region).toBe(points.find((p) => p.id === hit.id)!.payload.region);
      });
      // The rarer word weighs more: "subplate" (SP only) lifts SP above CP, which has "dense".
      expect(hits[0]!.payload.region).toBe('SP');
    });

    it('cuts the list at the limit inside a tie by the dense cosine', async () => {
      const want = expected(points, 'ganglionic', dense, () => true);
      expect(new Set(want.map((h) => h.lexical)).size).toBe(1);
      expect(ids(await search('ganglionic', 7))).toEqual(ids(want.slice(0, 7)));
    });

    it('applies the filter as the dense search does (fields, sections, a region subtree)', async () => {
      const filters: [SearchFilter, (p: VectorPoint) => boolean][] = [
        [
          { planes: ['coronal'], gestationalWeek: { gte: 20 } },
          (p) => p.payload.plane === 'coronal' && p.payload.gestationalWeek >= 20,
        ],
        [{ sections: ['S01-cor-0001'] }, (p) => p.payload.section === 'S01-cor-0001'],
        [{ regions: ['Pal'] }, (p) => p.payload.regionPath.includes('Pal')],
      ];
      for (const [filter, keep] of filters) {
        const want = expected(points, 'cortical neurons ganglionic', dense, keep);
        expect(ids(await search('cortical neurons ganglionic', 200, filter))).toEqual(ids(want));
      }
    });

    it('finds nothing for words no annotation has', async () => {
      expect(await search('cerebellum', 10)).toEqual([]);
    });

    it('stores the sparse vectors: returned with the vectors, absent where none was given', async () => {
      const [withOne, without] = await store.get(COLLECTION, [points[0]!.id, points[4]!.id], true);
      expect(withOne!.lexical!.indices).toEqual(points[0]!.lexical!.indices);
      withOne!.lexical!.values.forEach((v, i) => expect(v).toBeCloseTo(points[0]!.lexical!.values[i]!, 5));
      expect(without!.lexical).toBeUndefined();
    });

    it('refuses a malformed sparse vector, writing nothing of the batch', async () => {
      const fresh = { ...points[1]!, id: '00000000-0000-5000-8000-000000000001' };
      const bad = { ...points[2]!, lexical: { indices: [5, 3], values: [1, 1] } };
      await expect(store.upsert(COLLECTION, [fresh, bad])).rejects.toThrow(/ascending/);
      await expect(
        store.upsert(COLLECTION, [{ ...points[2]!, lexical: { indices: [3], values: [-1] } }]),
      ).rejects.toThrow(/positive/);
      expect(await store.get(COLLECTION, [fresh.id])).toEqual([]);
      await expect(
        store.searchLexical(COLLECTION, { indices: [1], values: [1] }, { limit: 0, vector: dense }),
      ).rejects.toThrow(/limit/);
    });

    it('follows overwrites and deletes: coverage, IDF and the list', async () => {
      const sp = points.filter((p) => p.payload.region === 'SP' && p.lexical);
      await store.upsert(COLLECTION, [{ ...sp[0]!, lexical: undefined }]);
      await store.deleteWhere(COLLECTION, { atlas: 'other' });
      const now = points
        .filter((p) => p.payload.atlas !== 'other')
        .map((p) => (p.id === sp[0]!.id ? { ...p, lexical: undefined } : p));
      expect(await store.lexicalCoverage(COLLECTION)).toEqual({
        points: now.length,
        lexical: now.filter((p) => p.lexical).length,
      });
      const want = expected(now, 'subplate neurons', dense, () => true);
      const hits = await search('subplate neurons', 200);
      expect(ids(hits)).toEqual(ids(want));
      hits.forEach((hit, i) => expect(hit.lexical).toBeCloseTo(want[i]!.lexical, 4));
    });
  });
}
