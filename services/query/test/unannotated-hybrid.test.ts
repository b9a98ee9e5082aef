import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, documentVector } from '@cytoclip/domain';
import { vectorsPort } from '@cytoclip/query';
import { openVectorStore, type VectorPoint, type VectorStore } from '@cytoclip/vectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retrieve } from '../src/hybrid.js';

// Hybrid retrieval over a collection holding annotated tiles (each with the lexical vector of its annotation text)
// and the tiles of an unannotated section (region null, no annotation text, so no lexical vector): the dense list
// alone reaches them, and the lexical index counts as complete.
const DIM = 8;
const COLLECTION = 'unannotated-hybrid';
const idOf = (i: number) => `00000000-0000-5000-8000-${String(i).padStart(12, '0')}`;

function vectorOf(i: number): Float32Array {
  const v = new Float32Array(DIM);
  v[0] = Math.cos(i / 7);
  v[1 + (i % (DIM - 1))] = Math.sin(i / 7);
  return v;
}

function pointOf(i: number): VectorPoint {
  const unannotated = i % 3 === 0;
  const region = i % 2 ? 'CP' : 'SP';
  const base = { kind: 'tile' as const, atlas: 'a', specimen: 'S', plane: 'coronal' as const, gestationalWeek: 16 };
  if (unannotated)
    return { id: idOf(i), vector: vectorOf(i), payload: { ...base, section: 'plain', region: null, regionPath: [] } };
  const text = region === 'CP' ? 'cortical plate' : 'subplate';
  return {
    id: idOf(i),
    vector: vectorOf(i),
    payload: { ...base, section: 'annotated', region, regionPath: ['Br', region] },
    lexical: documentVector(analyze(text)),
  };
}

describe('hybrid retrieval with unannotated tiles', () => {
  let dir: string;
  let store: VectorStore;
  const points = Array.from({ length: 30 }, (_, i) => pointOf(i));
  const unannotated = new Set(points.filter((p) => p.payload.region === null).map((p) => p.id));
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cytoclip-unannotated-'));
    store = await openVectorStore({ dataDir: dir });
    await store.ensureCollection(COLLECTION, { dim: DIM });
    await store.upsert(COLLECTION, points);
    await store.flush();
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (filter = {}) =>
    retrieve(vectorsPort(store), {
      collection: COLLECTION,
      vector: vectorOf(3),
      text: 'subplate',
      retrieval: 'hybrid',
      options: { filter, limit: 30, offset: 0 },
      coverage: () => store.lexicalCoverage(COLLECTION),
    });

  it('reaches unannotated tiles by the dense list only, after every lexical match, with no partial-index notice', async () => {
    expect(await store.lexicalCoverage(COLLECTION)).toEqual({ points: 20, lexical: 20 });
    const page = await run();
    expect(page.notices).toEqual([]);
    const reached = page.hits.filter((h) => unannotated.has(h.id));
    expect(reached.length).toBe(unannotated.size);
    for (const hit of reached) {
      expect(hit.rank).toEqual({ dense: expect.any(Number) });
      expect(hit.payload).toMatchObject({ region: null, regionPath: [] });
    }
    const subplate = page.hits.filter((h) => h.payload?.region === 'SP');
    const lastLexical = Math.max(...subplate.map((h) => page.hits.indexOf(h)));
    const firstUnannotated = Math.min(...reached.map((h) => page.hits.indexOf(h)));
    expect(lastLexical).toBeLessThan(firstUnannotated);
  });

  it('leaves them out under a region filter', async () => {
    const page = await run({ regions: ['Br'] });
    expect(page.hits.length).toBe(20);
    expect(page.hits.some((h) => unannotated.has(h.id))).toBe(false);
  });
});
