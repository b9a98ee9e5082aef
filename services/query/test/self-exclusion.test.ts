import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vectorsPort } from '@cytoclip/query';
import { openVectorStore, type VectorPoint, type VectorStore } from '@cytoclip/vectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchExcluding } from '../src/relevance.js';

// "Similar to" leaves the query item out. Its own score is 1, so only exact duplicates tie with it; here 5 of them
// (and the item itself) share one vector, so the store may rank it anywhere among the first six.
const DIM = 8;
const COLLECTION = 'self-exclusion';
const N = 40;

function vectorOf(i: number): Float32Array {
  const v = new Float32Array(DIM);
  if (i < 6) v[0] = 1;
  else {
    v[0] = Math.cos(i / 10);
    v[1 + (i % (DIM - 1))] = Math.sin(i / 10);
  }
  return v;
}

const idOf = (i: number) => `00000000-0000-5000-8000-${String(i).padStart(12, '0')}`;

describe('searchExcluding over the embedded store', () => {
  let dir: string;
  let store: VectorStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cytoclip-self-'));
    store = await openVectorStore({ dataDir: dir });
    await store.ensureCollection(COLLECTION, { dim: DIM });
    const points: VectorPoint[] = Array.from({ length: N }, (_, i) => ({
      id: idOf(i),
      vector: vectorOf(i),
      payload: {
        kind: 'tile',
        atlas: 'a',
        specimen: 'S',
        section: `sec-${i % 4}`,
        plane: 'coronal',
        gestationalWeek: 14 + (i % 3),
        region: i % 2 ? 'CP' : 'SP',
        regionPath: ['Br', i % 2 ? 'CP' : 'SP'],
      },
    }));
    await store.upsert(COLLECTION, points);
    await store.flush();
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const pages = async (self: number, limit: number, extra: object = {}) => {
    const vectors = vectorsPort(store);
    const options = { filter: {}, limit, offset: 0, ...extra };
    const first = await searchExcluding(vectors, COLLECTION, vectorOf(self), options, idOf(self), 10_000);
    const ids: string[] = [];
    for (let offset = 0; offset < first.total + limit; offset += limit) {
      const page = await searchExcluding(
        vectors,
        COLLECTION,
        vectorOf(self),
        { ...options, offset },
        idOf(self),
        10_000,
      );
      expect(page.total).toBe(first.total);
      ids.push(...page.hits.map((h) => h.id));
    }
    return { total: first.total, ids };
  };

  it.each([0, 3, 5, 17])('leaves item %i out of every page size, with total one less', async (self) => {
    const full = await vectorsPort(store).search(COLLECTION, vectorOf(self), { filter: {}, limit: N, offset: 0 });
    const expected = full.hits.map((h) => h.id).filter((id) => id !== idOf(self));
    for (const limit of [1, 2, 3, 7, 50]) {
      const { total, ids } = await pages(self, limit);
      expect(total).toBe(N - 1);
      expect(ids).toEqual(expected);
    }
  });

  it('keeps the total when the filter leaves the query item out anyway', async () => {
    // Item 17 is CP; asking for SP only, it was never in the ranking.
    const { total, ids } = await pages(17, 4, { filter: { regions: ['SP'] } });
    expect(total).toBe(N / 2);
    expect(ids).toHaveLength(N / 2);
  });

  it('counts under minScore too', async () => {
    const full = await vectorsPort(store).search(COLLECTION, vectorOf(3), {
      filter: {},
      limit: N,
      offset: 0,
      minScore: 0.9,
    });
    const { total, ids } = await pages(3, 2, { minScore: 0.9 });
    expect(total).toBe(full.total - 1);
    expect(ids).toEqual(full.hits.map((h) => h.id).filter((id) => id !== idOf(3)));
  });
});
