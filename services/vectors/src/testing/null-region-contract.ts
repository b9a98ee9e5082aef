import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, documentVector, type SearchFilter } from '@cytoclip/domain';
import type { VectorPoint, VectorStore } from '../types.js';
import { dot, makePoints, randomUnit, rng } from './fixtures.js';

const DIM = 16;
const COLLECTION = 'contract-unannotated@1';

/**
 * The fixture points with the tiles of two sections made unannotated (region null, empty path, no lexical vector),
 * as ingest writes the tissue of a section whose atlas entry has no annotations; the others carry a lexical vector.
 */
function mixedPoints(): VectorPoint[] {
  const unannotated = new Set(['S01-sag-0002', 'X01-cor-0001']);
  return makePoints(DIM, 12, 23).map((p) =>
    unannotated.has(p.payload.section)
      ? { ...p, payload: { ...p.payload, region: null, regionPath: [] } }
      : { ...p, lexical: documentVector(analyze(`${p.payload.region} region`)) },
  );
}

/** Unannotated points (region null) in every store: stored and returned as they are, kept by every filter but a region one. */
export function nullRegionContract(name: string, open: () => Promise<VectorStore>): void {
  describe(`VectorStore unannotated points: ${name}`, () => {
    let store: VectorStore;
    const points = mixedPoints();
    const nulls = points.filter((p) => p.payload.region === null);
    const query = randomUnit(rng(31), DIM);
    const ranked = (keep: (p: VectorPoint) => boolean) =>
      points
        .filter(keep)
        .sort((a, b) => dot(query, b.vector) - dot(query, a.vector))
        .map((p) => p.id);
    const searched = async (filter?: SearchFilter) =>
      (await store.search(COLLECTION, query, { limit: points.length, ...(filter ? { filter } : {}) })).hits.map(
        (h) => h.id,
      );

    beforeAll(async () => {
      store = await open();
      await store.ensureCollection(COLLECTION, { dim: DIM });
      await store.upsert(COLLECTION, points);
    });
    afterAll(async () => {
      await store.dropCollection(COLLECTION);
      await store.close();
    });

    it('stores a null region with an empty path and returns it as null', async () => {
      expect(nulls.length).toBe(24);
      const got = await store.get(COLLECTION, [nulls[0]!.id, nulls[13]!.id]);
      expect(got.map((p) => p.payload)).toEqual([nulls[0]!.payload, nulls[13]!.payload]);
      expect(got[0]!.payload.region).toBeNull();
      expect(got[0]!.payload.regionPath).toEqual([]);
    });

    it('returns unannotated points to unfiltered, week and specimen filtered searches', async () => {
      const all = await searched();
      expect(all).toEqual(ranked(() => true));
      const hits = (await store.search(COLLECTION, query, { limit: points.length })).hits;
      expect(hits.filter((h) => h.payload.region === null).length).toBe(nulls.length);
      expect(await searched({ specimens: ['S01'] })).toEqual(ranked((p) => p.payload.specimen === 'S01'));
      expect(await searched({ gestationalWeek: { gte: 21, lte: 21 } })).toEqual(
        ranked((p) => p.payload.gestationalWeek === 21),
      );
      expect(await store.count(COLLECTION, { atlases: ['other'] })).toBe(12);
    });

    it('leaves them out of every region filter, count and per-region summary', async () => {
      const inRegions = await searched({ regions: ['Tel'] });
      expect(inRegions).toEqual(ranked((p) => p.payload.region !== null));
      expect(await store.count(COLLECTION, { regions: ['Tel'] })).toBe(points.length - nulls.length);
      expect(await store.count(COLLECTION, { regions: ['Tel'], sections: ['X01-cor-0001'] })).toBe(0);
      const regions = await store.bestPerField(COLLECTION, query, 'region');
      expect(regions.map((r) => r.value)).toEqual(['CP', 'GE', 'SP']);
      expect(regions.reduce((n, r) => n + r.count, 0)).toBe(points.length - nulls.length);
      const weeks = await store.bestPerField(COLLECTION, query, 'gestationalWeek');
      expect(weeks.reduce((n, r) => n + r.count, 0)).toBe(points.length);
    });

    it('counts lexical coverage over annotated points only (no lexical vector is due for region null)', async () => {
      expect(await store.lexicalCoverage(COLLECTION)).toEqual({
        points: points.length - nulls.length,
        lexical: points.length - nulls.length,
      });
    });

    it('refuses a null region with a non-empty path, and an empty region', async () => {
      const bad = { ...nulls[0]!, payload: { ...nulls[0]!.payload, regionPath: ['Tel'] } };
      await expect(store.upsert(COLLECTION, [bad])).rejects.toThrow(/regionPath.*empty when the region is null/);
      const empty = { ...nulls[0]!, payload: { ...nulls[0]!.payload, region: '' } };
      await expect(store.upsert(COLLECTION, [empty])).rejects.toThrow(/"region" must be a non-empty string, or null/);
    });
  });
}
