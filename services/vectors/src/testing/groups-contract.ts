import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupField, ScoredPoint, VectorStore } from '../types.js';
import { DATA_VERSION } from '../data-version.js';
import { dot, makePoints, randomUnit, rng, SECTIONS } from './fixtures.js';

const DIM = 16;
const COLLECTION = 'contract-groups@1';

/**
 * `topPerGroup` and the data-format stamp, as every store must answer them: groups checked against a brute-force
 * ranking of the fixture points (weeks 16, 21 and a fractional 30.5; specimens S01, S02, S03, X01).
 */
export function groupsContract(name: string, open: () => Promise<VectorStore>): void {
  describe(`VectorStore contract (grouped top-k, data format): ${name}`, () => {
    let store: VectorStore;
    const points = makePoints(DIM, 30, 5);
    const query = randomUnit(rng(17), DIM);

    beforeAll(async () => {
      store = await open();
      await store.ensureCollection(COLLECTION, { dim: DIM });
      await store.upsert(COLLECTION, points);
    });
    afterAll(async () => {
      await store.dropCollection(COLLECTION);
      await store.close();
    });

    /** The k best of each value, best first, from every point the keep function admits. */
    function expected(field: GroupField, k: number, keep: (p: (typeof points)[number]) => boolean = () => true) {
      const groups = new Map<string | number, ScoredPoint[]>();
      for (const p of points.filter(keep)) {
        const hits = groups.get(p.payload[field]) ?? [];
        hits.push({ id: p.id, score: dot(query, p.vector), payload: p.payload });
        groups.set(p.payload[field], hits);
      }
      return [...groups.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([value, hits]) => ({
          value,
          count: hits.length,
          ids: hits
            .sort((a, b) => b.score - a.score)
            .map((h) => h.id)
            .slice(0, k),
        }));
    }

    it('gives the k best points of each gestational week, a fractional week included, with exact scores', async () => {
      const groups = await store.topPerGroup(COLLECTION, query, { field: 'gestationalWeek', perGroup: 4 });
      expect(groups.map((g) => ({ value: g.value, count: g.count, ids: g.hits.map((h) => h.id) }))).toEqual(
        expected('gestationalWeek', 4),
      );
      expect(groups.map((g) => g.value)).toEqual([16, 21, 30.5]);
      for (const hit of groups.flatMap((g) => g.hits)) {
        const point = points.find((p) => p.id === hit.id)!;
        expect(hit.score).toBeCloseTo(dot(query, point.vector), 5);
        expect(hit.payload).toEqual(point.payload);
      }
    });

    it('groups by specimen under a filter, counting what the filter admits', async () => {
      const groups = await store.topPerGroup(COLLECTION, query, {
        field: 'specimen',
        perGroup: 3,
        filter: { planes: ['coronal'], regions: ['Pal'] },
      });
      const keep = (p: (typeof points)[number]) =>
        p.payload.plane === 'coronal' && p.payload.regionPath.includes('Pal');
      expect(groups.map((g) => ({ value: g.value, count: g.count, ids: g.hits.map((h) => h.id) }))).toEqual(
        expected('specimen', 3, keep),
      );
    });

    it('keeps the groups with the best hits when asked for fewer, in ascending value', async () => {
      const all = expected('specimen', 1);
      const bestTwo = [...all]
        .sort((a, b) => {
          const score = (g: (typeof all)[number]) => dot(query, points.find((p) => p.id === g.ids[0])!.vector);
          return score(b) - score(a);
        })
        .slice(0, 2)
        .map((g) => g.value)
        .sort();
      const groups = await store.topPerGroup(COLLECTION, query, { field: 'specimen', perGroup: 1, groups: 2 });
      expect(groups.map((g) => g.value)).toEqual(bestTwo);
    });

    it('answers no groups for a filter that keeps nothing, and refuses bad options naming them', async () => {
      expect(
        await store.topPerGroup(COLLECTION, query, {
          field: 'gestationalWeek',
          perGroup: 2,
          filter: { specimens: ['none'] },
        }),
      ).toEqual([]);
      await expect(
        store.topPerGroup(COLLECTION, query, { field: 'region' as GroupField, perGroup: 2 }),
      ).rejects.toMatchObject({
        status: 400,
        detail: { field: 'field' },
      });
      await expect(store.topPerGroup(COLLECTION, query, { field: 'specimen', perGroup: 0 })).rejects.toMatchObject({
        status: 400,
        detail: { field: 'perGroup' },
      });
      await expect(
        store.topPerGroup(COLLECTION, query, { field: 'specimen', perGroup: 1, groups: 10_000 }),
      ).rejects.toMatchObject({ status: 400, detail: { field: 'groups' } });
      await expect(store.topPerGroup('no-such@1', query, { field: 'specimen', perGroup: 1 })).rejects.toMatchObject({
        status: 404,
      });
    });

    it('stamps a new collection with the current data format, and keeps a stamp it is given', async () => {
      expect(await store.dataVersion(COLLECTION)).toBe(DATA_VERSION);
      await store.markDataVersion(COLLECTION, 1);
      expect(await store.dataVersion(COLLECTION)).toBe(1);
      await store.upgradeLayout(COLLECTION); // already the current layout: nothing to rebuild, points untouched
      expect(await store.count(COLLECTION)).toBe(points.length);
      await store.markDataVersion(COLLECTION, DATA_VERSION);
      expect(await store.dataVersion(COLLECTION)).toBe(DATA_VERSION);
      await expect(store.markDataVersion(COLLECTION, DATA_VERSION + 1)).rejects.toMatchObject({ status: 400 });
      expect((await store.listCollections()).map((c) => c.name)).toContain(COLLECTION);
    });

    it('covers every fixture section', () => {
      expect(new Set(points.map((p) => p.payload.section)).size).toBe(SECTIONS.length);
    });
  });
}
