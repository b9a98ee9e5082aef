import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CytoclipError, DEFAULT_TILE_GRID, tileId, type SearchFilter } from '@cytoclip/domain';
import type { ScoredPoint, SearchOptions, VectorPoint, VectorStore } from '../types.js';
import { MAX_WINDOW } from '../validate.js';
import { dot, makePoints, randomUnit, REGION_PATHS, rng, SECTIONS, unit } from './fixtures.js';
import { groupsContract } from './groups-contract.js';
import { lexicalContract } from './lexical-contract.js';
import { nullRegionContract } from './null-region-contract.js';

const DIM = 16;
const COLLECTION = 'contract-tiles@1';

/** Brute-force answer the stores must agree with. */
function exact(points: VectorPoint[], query: Float32Array, keep: (p: VectorPoint) => boolean): ScoredPoint[] {
  return points
    .filter(keep)
    .map((p) => ({ id: p.id, score: dot(query, p.vector), payload: p.payload }))
    .sort((a, b) => b.score - a.score);
}

/** A greedy pass over a ranking that skips a section's hits beyond the cap. */
function capped(ranking: ScoredPoint[], cap: number): ScoredPoint[] {
  const seen = new Map<string, number>();
  return ranking.filter((hit) => {
    const key = `${hit.payload.atlas}/${hit.payload.section}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    return seen.get(key)! <= cap;
  });
}

/** Every page of a search, offset 0, limit, 2·limit …, until a page comes back short or the window ends. */
async function pageThrough(
  store: VectorStore,
  collection: string,
  query: Float32Array,
  options: Omit<SearchOptions, 'offset'>,
): Promise<{ ids: string[]; totals: number[]; exact: boolean[] }> {
  const out = { ids: [] as string[], totals: [] as number[], exact: [] as boolean[] };
  for (let offset = 0; offset + options.limit <= MAX_WINDOW; offset += options.limit) {
    const page = await store.search(collection, query, { ...options, offset });
    out.ids.push(...page.hits.map((h) => h.id));
    out.totals.push(page.total);
    out.exact.push(page.totalExact);
    if (page.hits.length < options.limit) break;
  }
  return out;
}

/**
 * The behaviour every VectorStore must show, in the style of Hono's shared router tests: each implementation calls
 * this with a function that opens a fresh, empty store.
 */
export function vectorStoreContract(name: string, open: () => Promise<VectorStore>): void {
  describe(`VectorStore contract: ${name}`, () => {
    let store: VectorStore;
    const points = makePoints(DIM);
    const query = randomUnit(rng(99), DIM);

    beforeAll(async () => {
      store = await open();
      await store.ensureCollection(COLLECTION, { dim: DIM });
      await store.upsert(COLLECTION, points.slice(0, 50));
      await store.upsert(COLLECTION, points.slice(40)); // overlaps: idempotent by id
    });
    afterAll(async () => {
      await store.dropCollection(COLLECTION);
      await store.close();
    });

    it('lists collections with dimension and count, and keeps one point per id', async () => {
      const listed = await store.listCollections();
      expect(listed).toContainEqual({ name: COLLECTION, dim: DIM, count: points.length });
      expect(await store.count(COLLECTION)).toBe(points.length);
    });

    it('refuses to re-create a collection with another dimension', async () => {
      await store.ensureCollection(COLLECTION, { dim: DIM });
      await expect(store.ensureCollection(COLLECTION, { dim: DIM + 1 })).rejects.toThrow(/dimension/);
    });

    it('finds the exact top-k by cosine', async () => {
      const { hits } = await store.search(COLLECTION, query, { limit: 10 });
      const expected = exact(points, query, () => true).slice(0, 10);
      expect(hits.map((h) => h.id)).toEqual(expected.map((h) => h.id));
      hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(expected[i]!.score, 4));
      expect(hits[0]!.payload).toEqual(points.find((p) => p.id === hits[0]!.id)!.payload);
    });

    const filters: [string, SearchFilter, (p: VectorPoint) => boolean][] = [
      [
        'a week range',
        { gestationalWeek: { gte: 18, lte: 25 } },
        (p) => p.payload.gestationalWeek >= 18 && p.payload.gestationalWeek <= 25,
      ],
      ['planes', { planes: ['sagittal', 'axial'] }, (p) => p.payload.plane !== 'coronal'],
      [
        'specimens and a plane',
        { specimens: ['S01'], planes: ['coronal'] },
        (p) => p.payload.specimen === 'S01' && p.payload.plane === 'coronal',
      ],
      ['atlases', { atlases: ['other'] }, (p) => p.payload.atlas === 'other'],
      ['a region subtree', { regions: ['Pal'] }, (p) => p.payload.region !== 'GE'],
      ['a leaf region', { regions: ['GE'] }, (p) => p.payload.region === 'GE'],
      ['sections', { sections: ['S02-cor-0001'] }, (p) => p.payload.section === 'S02-cor-0001'],
      ['nothing', { specimens: ['nobody'] }, () => false],
    ];
    for (const [what, filter, keep] of filters) {
      it(`filters by ${what} in search and count`, async () => {
        const expected = exact(points, query, keep);
        const { hits, total, totalExact } = await store.search(COLLECTION, query, { limit: 5, filter });
        expect(hits.map((h) => h.id)).toEqual(expected.slice(0, 5).map((h) => h.id));
        expect(await store.count(COLLECTION, filter)).toBe(expected.length);
        expect({ total, totalExact }).toEqual({ total: expected.length, totalExact: true });
      });
    }

    it('caps hits per section and still fills the page', async () => {
      const { hits } = await store.search(COLLECTION, query, { limit: 8, perSection: 2 });
      expect(hits).toHaveLength(8);
      const perSection = new Map<string, number>();
      for (const hit of hits) perSection.set(hit.payload.section, (perSection.get(hit.payload.section) ?? 0) + 1);
      expect(Math.max(...perSection.values())).toBe(2);
      // The same as a greedy pass over the exact ranking that skips a section's third hit.
      const seen = new Map<string, number>();
      const expected = exact(points, query, () => true).filter((hit) => {
        seen.set(hit.payload.section, (seen.get(hit.payload.section) ?? 0) + 1);
        return seen.get(hit.payload.section)! <= 2;
      });
      expect(hits.map((h) => h.id)).toEqual(expected.slice(0, 8).map((h) => h.id));
    });

    it('fills a capped page when the best points crowd into a few sections of one specimen plane', async () => {
      const crowded = 'contract-crowded';
      await store.ensureCollection(crowded, { dim: DIM });
      const random = rng(5);
      // Six sections of one specimen's coronal plane; sections 0 and 1 hold the points nearest the query.
      const near = points.slice(0, 120).map((p, i) => {
        const section = `S09-cor-${Math.floor(i / 20)}`;
        const noise = randomUnit(random, DIM).map((x) => x * (i < 40 ? 0.2 : 1.5));
        return {
          ...p,
          vector: unit(query.map((x, j) => x + noise[j]!)),
          payload: { ...p.payload, specimen: 'S09', plane: 'coronal' as const, section },
        };
      });
      await store.upsert(crowded, near);
      const { hits } = await store.search(crowded, query, { limit: 8, perSection: 2 });
      const seen = new Map<string, number>();
      const expected = exact(near, query, () => true).filter((hit) => {
        seen.set(hit.payload.section, (seen.get(hit.payload.section) ?? 0) + 1);
        return seen.get(hit.payload.section)! <= 2;
      });
      expect(hits.map((h) => h.id)).toEqual(expected.slice(0, 8).map((h) => h.id));
      await store.dropCollection(crowded);
    });

    it('pages with offset and drops hits under minScore', async () => {
      const all = (await store.search(COLLECTION, query, { limit: 12 })).hits;
      const second = (await store.search(COLLECTION, query, { limit: 6, offset: 6 })).hits;
      expect(second.map((h) => h.id)).toEqual(all.slice(6).map((h) => h.id));
      const threshold = all[3]!.score - 1e-6;
      const above = (await store.search(COLLECTION, query, { limit: 12, minScore: threshold })).hits;
      expect(above.map((h) => h.id)).toEqual(all.slice(0, 4).map((h) => h.id));
    });

    it('counts in total what the pages return together, under minScore, perSection and a region subtree', async () => {
      const threshold = exact(points, query, () => true)[30]!.score - 1e-6;
      const pal = (p: VectorPoint) => p.payload.regionPath.includes('Pal');
      const cases: [SearchOptions, ScoredPoint[]][] = [
        [{ limit: 7 }, exact(points, query, () => true)],
        [{ limit: 7, minScore: threshold }, exact(points, query, () => true).slice(0, 31)],
        [
          { limit: 4, perSection: 3 },
          capped(
            exact(points, query, () => true),
            3,
          ),
        ],
        [
          { limit: 4, perSection: 2, minScore: 0, filter: { regions: ['Pal'] } },
          capped(exact(points, query, pal), 2).filter((h) => h.score >= 0),
        ],
        [
          { limit: 5, minScore: threshold, filter: { regions: ['Tel'], planes: ['coronal'] } },
          exact(points, query, (p) => p.payload.plane === 'coronal').filter((h) => h.score >= threshold),
        ],
      ];
      for (const [options, expected] of cases) {
        const paged = await pageThrough(store, COLLECTION, query, options);
        expect(paged.ids, JSON.stringify(options)).toEqual(expected.map((h) => h.id));
        expect(new Set(paged.totals), JSON.stringify(options)).toEqual(new Set([expected.length]));
        expect(paged.exact.every(Boolean)).toBe(true);
      }
      const beyond = await store.search(COLLECTION, query, { limit: 5, offset: 200, minScore: threshold });
      expect(beyond).toMatchObject({ hits: [], totalExact: true });
    });

    it('pages one exact order where scores lie closer together than int8 can tell apart', async () => {
      const dense = 'contract-dense';
      await store.ensureCollection(dense, { dim: DIM });
      const random = rng(11);
      const near = points.slice(0, 100).map((p, i) => ({
        ...p,
        vector: unit(query.map((x) => x + (random() - 0.5) * 0.01)),
        payload: {
          ...points[0]!.payload,
          region: p.payload.region,
          regionPath: p.payload.regionPath,
          section: `D-${i % 7}`,
        },
      }));
      await store.upsert(dense, near);
      const expected = exact(near, query, () => true);
      for (const options of [{ limit: 10 }, { limit: 9, perSection: 12 }]) {
        const paged = await pageThrough(store, dense, query, options);
        const want = options.perSection ? capped(expected, options.perSection) : expected;
        expect(paged.ids, JSON.stringify(options)).toEqual(want.map((h) => h.id));
        expect(new Set(paged.totals)).toEqual(new Set([want.length]));
      }
      await store.dropCollection(dense);
    });

    describe('beyond the window', () => {
      const big = 'contract-window';
      const sections = 201;
      const perSectionPoints = 50;
      // Sections ranked by how near their points lie to the query, so the best hits crowd into the first sections.
      const crowd = Array.from({ length: sections * perSectionPoints }, (_, i): VectorPoint => {
        const s = Math.floor(i / perSectionPoints);
        const noise = randomUnit(rng(1000 + i), DIM).map((x) => x * (0.3 + s / 50));
        const section = `W-${String(s).padStart(3, '0')}`;
        const id = tileId('window', section, DEFAULT_TILE_GRID, (i % perSectionPoints) * 224, 0);
        return { id, vector: unit(query.map((x, j) => x + noise[j]!)), payload: { ...points[0]!.payload, section } };
      });
      beforeAll(async () => {
        await store.ensureCollection(big, { dim: DIM });
        for (let i = 0; i < crowd.length; i += 2000) await store.upsert(big, crowd.slice(i, i + 2000));
      }, 120_000);
      afterAll(() => store.dropCollection(big));

      it('says total is not exact past 10,000 hits, and is exact when the cap brings it under', async () => {
        expect(await store.search(big, query, { limit: 10 })).toMatchObject({ total: MAX_WINDOW, totalExact: false });
        const last = await store.search(big, query, { limit: 10, offset: MAX_WINDOW - 10 });
        expect(last.hits).toHaveLength(10);
        const cap = 49;
        const expected = capped(
          exact(crowd, query, () => true),
          cap,
        );
        const first = await store.search(big, query, { limit: 100, perSection: cap });
        expect({ total: first.total, totalExact: first.totalExact }).toEqual({
          total: expected.length,
          totalExact: true,
        });
        const end = await store.search(big, query, { limit: 200, offset: 9800, perSection: cap });
        expect(end.hits.map((h) => h.id)).toEqual(expected.slice(9800).map((h) => h.id));
        expect(end.total).toBe(sections * cap);
      }, 120_000);

      it('fills a page of one hit per section when the best hits crowd into few sections', async () => {
        const expected = capped(
          exact(crowd, query, () => true),
          1,
        );
        for (const [limit, offset] of [
          [50, 0],
          [30, 170],
        ] as const) {
          const page = await store.search(big, query, { limit, offset, perSection: 1 });
          expect(page.hits.map((h) => h.id)).toEqual(expected.slice(offset, offset + limit).map((h) => h.id));
          expect({ total: page.total, totalExact: page.totalExact }).toEqual({ total: sections, totalExact: true });
        }
      }, 120_000);
    });

    it('gets points by id, with vectors when asked, skipping unknown ids', async () => {
      const wanted = [points[3]!.id, '00000000-0000-5000-8000-000000000000', points[70]!.id];
      const got = await store.get(COLLECTION, wanted, true);
      expect(got.map((p) => p.id)).toEqual([points[3]!.id, points[70]!.id]);
      expect(Array.from(got[1]!.vector!)).toEqual(Array.from(points[70]!.vector));
      expect(got[0]!.payload).toEqual(points[3]!.payload);
      expect((await store.get(COLLECTION, [points[3]!.id]))[0]!.vector).toBeUndefined();
    });

    it('scores every point of one section (heatmap)', async () => {
      const section = SECTIONS[2]!.section;
      const scored = await store.scoreAll(COLLECTION, query, { sections: [section] });
      const expected = exact(points, query, (p) => p.payload.section === section);
      expect(scored.map((s) => s.id)).toEqual(expected.map((s) => s.id));
      scored.forEach((s, i) => expect(s.score).toBeCloseTo(expected[i]!.score, 4));
    });

    it('summarises best and median per gestational week and per region', async () => {
      const weeks = await store.bestPerField(COLLECTION, query, 'gestationalWeek');
      expect(weeks.map((w) => w.value)).toEqual([16, 21, 30.5]);
      for (const week of weeks) {
        const scores = exact(points, query, (p) => p.payload.gestationalWeek === week.value).map((s) => s.score);
        expect(week.count).toBe(scores.length);
        expect(week.best).toBeCloseTo(scores[0]!, 4);
        const sorted = [...scores].sort((a, b) => a - b);
        const median = (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
        expect(week.median).toBeCloseTo(median, 1);
      }
      const regions = await store.bestPerField(COLLECTION, query, 'region', { specimens: ['S01'] });
      expect(regions.map((r) => r.value)).toEqual(Object.keys(REGION_PATHS).sort());
      expect(regions.reduce((n, r) => n + r.count, 0)).toBe(48);
    });

    it('rejects a vector of the wrong dimension, an unknown filter field and a wrongly typed one', async () => {
      await expect(store.search(COLLECTION, new Float32Array(DIM + 1), { limit: 3 })).rejects.toThrow(
        /dimension 17.*expects 16/,
      );
      const unknown = await store
        .search(COLLECTION, query, { limit: 3, filter: { specimen: ['S01'] } as SearchFilter })
        .catch((e) => e);
      expect(unknown).toBeInstanceOf(CytoclipError);
      expect(unknown.status).toBe(400);
      expect(unknown.message).toMatch(/unknown filter field "specimen"/);
      await expect(store.count(COLLECTION, { planes: 'coronal' } as unknown as SearchFilter)).rejects.toThrow(
        /"planes"/,
      );
      await expect(
        store.count(COLLECTION, { gestationalWeek: { gte: '18' } } as unknown as SearchFilter),
      ).rejects.toThrow(/gestationalWeek.gte/);
    });

    it('rejects a bad batch whole, losing nothing', async () => {
      const bad = [
        { ...points[0]!, vector: randomUnit(rng(1), DIM) },
        { ...points[1]!, vector: new Float32Array(DIM - 1) },
      ];
      await expect(store.upsert(COLLECTION, bad)).rejects.toThrow(/dimension 15/);
      const got = await store.get(COLLECTION, [points[0]!.id], true);
      expect(Array.from(got[0]!.vector!)).toEqual(Array.from(points[0]!.vector));
      await expect(store.search('no-such-collection', query, { limit: 1 })).rejects.toThrow(/no-such-collection/);
    });

    it('overwrites a point on upsert and deletes by section and by atlas', async () => {
      const moved = { ...points[5]!, vector: query };
      await store.upsert(COLLECTION, [moved]);
      expect((await store.search(COLLECTION, query, { limit: 1 })).hits[0]!.id).toBe(moved.id);
      expect(await store.count(COLLECTION)).toBe(points.length);

      const section = SECTIONS[1]!.section;
      expect(await store.deleteWhere(COLLECTION, { section })).toBe(24);
      expect(await store.count(COLLECTION, { sections: [section] })).toBe(0);
      expect(await store.deleteWhere(COLLECTION, { atlas: 'other' })).toBe(24);
      expect(await store.count(COLLECTION)).toBe(points.length - 48);
      const { hits } = await store.search(COLLECTION, query, { limit: 50 });
      expect(hits.some((h) => h.payload.section === section || h.payload.atlas === 'other')).toBe(false);
      await expect(store.deleteWhere(COLLECTION, {})).rejects.toThrow(/atlas or a section/);
    });
  });
  lexicalContract(name, open);
  groupsContract(name, open);
  nullRegionContract(name, open);
}
