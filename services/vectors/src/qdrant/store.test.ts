import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CytoclipError, lexicalQuery, type SearchFilter } from '@cytoclip/domain';
import { makePoints, randomUnit, rng } from '../testing/fixtures.js';
import { SECTION_KEY, WEEK_KEY } from './builders.js';
import { QdrantVectorStore } from './store.js';

/**
 * No Qdrant server runs on these machines, so these tests put a fake `fetch` at the HTTP boundary: they check the
 * requests the adapter sends through the real client, and its retries. The contract suite runs against a real
 * server wherever QDRANT_URL is set (vectors-contract-qdrant.test.ts).
 */
interface Sent {
  method: string;
  path: string;
  body: unknown;
}

type Reply = { status?: number; result?: unknown; headers?: Record<string, string> } | 'hang' | 'drop';

let sent: Sent[];
let replies: ((request: Sent) => Reply | undefined)[];

function answer(request: Sent): Reply {
  for (const reply of replies) {
    const out = reply(request);
    if (out) return out;
  }
  if (request.path === '/collections' && request.method === 'GET') return { result: { collections: [] } };
  if (request.path.endsWith('/exists')) return { result: { exists: false } };
  if (/^\/collections\/[^/]+$/.test(request.path) && request.method === 'GET') {
    return { result: { status: 'green', config: { params: { vectors: { size: 8, distance: 'Cosine' } } } } };
  }
  return { result: { status: 'completed', operation_id: 1 } };
}

const fakeFetch = async (input: string | URL | Request, init?: RequestInit) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const request: Sent = {
    method: init?.method ?? 'GET',
    path: url.pathname,
    body: init?.body ? JSON.parse(String(init.body)) : undefined,
  };
  sent.push(request);
  const reply = answer(request);
  if (reply === 'drop') throw new TypeError('fetch failed');
  if (reply === 'hang') {
    return new Promise<Response>((_, reject) =>
      init?.signal?.addEventListener('abort', () =>
        reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
      ),
    );
  }
  return new Response(JSON.stringify({ result: reply.result ?? null, status: 'ok', time: 0 }), {
    status: reply.status ?? 200,
    headers: { 'content-type': 'application/json', ...reply.headers },
  });
};

const fast = { attempts: 3, baseMs: 1, maxMs: 2, sleep: async () => {} };
// The version check (on by default) asks GET / in the background; layout.test.ts covers it on a fake server.
const open = () =>
  QdrantVectorStore.open({ url: 'http://qdrant.test:6333', timeoutMs: 200, retry: fast, checkCompatibility: false });

/** A collection the fake does not have until an alias update names it (ensureCollection creates `<name>_v1`). */
function missingUntilAliased(name: string): void {
  let aliased = false;
  replies.push((r) => {
    if (r.path === '/collections/aliases') aliased = true;
    return r.method === 'GET' && r.path === `/collections/${name}` && !aliased
      ? { status: 404, result: null }
      : undefined;
  });
}

beforeEach(() => {
  sent = [];
  replies = [];
  vi.stubGlobal('fetch', fakeFetch);
});
afterEach(() => vi.unstubAllGlobals());

describe('Qdrant adapter at the HTTP boundary', () => {
  it('creates a collection with a payload index on every filter field', async () => {
    const store = await open();
    missingUntilAliased('tiles-mini');
    await store.ensureCollection('tiles-mini', { dim: 8, quantization: 'int8' });
    const create = sent.find((r) => r.method === 'PUT' && r.path === '/collections/tiles-mini_v1')!;
    expect(create.body).toMatchObject({
      vectors: { size: 8, distance: 'Cosine' },
      quantization_config: { scalar: { type: 'int8' } },
    });
    const indexed = sent
      .filter((r) => r.path === '/collections/tiles-mini_v1/index')
      .map((r) => (r.body as { field_name: string }).field_name);
    expect(indexed.sort()).toEqual(
      [
        'atlas',
        'gestationalWeek',
        'kind',
        'plane',
        'region',
        'regionPath',
        'section',
        SECTION_KEY,
        'specimen',
        WEEK_KEY,
      ].sort(),
    );
  });

  it('upserts in batches under the limit, with the platform ids, retrying a 429 and a time-out', async () => {
    const store = await open();
    const points = makePoints(8, 500); // 2500 points
    let upserts = 0;
    replies.push((r) => {
      if (r.path !== '/collections/tiles/points' || r.method !== 'PUT') return undefined;
      upserts++;
      if (upserts === 1) return { status: 429, result: null };
      if (upserts === 2) return 'hang';
      return undefined;
    });
    await store.upsert('tiles', points);
    const batches = sent.filter((r) => r.path === '/collections/tiles/points' && r.method === 'PUT');
    expect(batches).toHaveLength(5); // 2 failed tries + 3 batches
    const delivered = batches.slice(2).flatMap((r) => (r.body as { points: { id: string }[] }).points.map((p) => p.id));
    expect(delivered).toEqual(points.map((p) => p.id));
    expect(batches.slice(2).map((r) => (r.body as { points: unknown[] }).points.length)).toEqual([1000, 1000, 500]);
  });

  it('asks for groups by atlas/section when hits are capped per section, and pages them', async () => {
    const store = await open();
    const hit = (id: string, score: number, section: string) => ({
      id,
      score,
      payload: { ...makePoints(8, 1)[0]!.payload, section, [SECTION_KEY]: `demo/${section}` },
    });
    replies.push((r) =>
      r.path.endsWith('/points/query/groups')
        ? {
            result: {
              groups: [
                { id: 'demo/a', hits: [hit('1', 0.9, 'a'), hit('2', 0.8, 'a')] },
                { id: 'demo/b', hits: [hit('3', 0.85, 'b')] },
              ],
            },
          }
        : undefined,
    );
    const { hits } = await store.search('tiles', randomUnit(rng(1), 8), {
      limit: 2,
      offset: 1,
      perSection: 2,
      filter: { regions: ['Pal'] },
    });
    const request = sent.find((r) => r.path.endsWith('/points/query/groups'))!;
    expect(request.body).toMatchObject({
      group_by: SECTION_KEY,
      group_size: 2,
      limit: 3,
      filter: { must: [{ key: 'regionPath', match: { any: ['Pal'] } }] },
    });
    expect(hits.map((h) => [h.id, h.score])).toEqual([
      ['3', 0.85],
      ['2', 0.8],
    ]);
    expect(hits[0]!.payload).not.toHaveProperty(SECTION_KEY);
  });

  it('creates the lexical sparse vector with the IDF modifier, and counts the points that carry one', async () => {
    const store = await open();
    missingUntilAliased('tiles-lex');
    replies.push((r) =>
      r.method === 'GET' && r.path === '/collections/tiles-lex'
        ? {
            result: {
              config: { params: { vectors: { size: 8, distance: 'Cosine' }, sparse_vectors: { lexical: {} } } },
            },
          }
        : undefined,
    );
    await store.ensureCollection('tiles-lex', { dim: 8 });
    const create = sent.find((r) => r.method === 'PUT' && r.path === '/collections/tiles-lex_v1')!;
    expect(create.body).toMatchObject({ sparse_vectors: { lexical: { modifier: 'idf' } } });
    replies.push((r) =>
      r.path.endsWith('/points/count')
        ? { result: { count: JSON.stringify(r.body).includes('has_vector') ? 30 : 40 } }
        : undefined,
    );
    expect(await store.lexicalCoverage('tiles-lex')).toEqual({ points: 40, lexical: 30 });
    const counts = sent.filter((r) => r.path.endsWith('/points/count')).map((r) => r.body);
    expect(counts).toContainEqual({ filter: { must: [{ has_vector: 'lexical' }] }, exact: true });
  });

  it('reports no lexical vectors, asks nothing and drops them on upsert for a collection made before them', async () => {
    const store = await open(); // the default fake collection has no sparse_vectors
    replies.push((r) => (r.path.endsWith('/points/count') ? { result: { count: 12 } } : undefined));
    expect(await store.lexicalCoverage('tiles')).toEqual({ points: 12, lexical: 0 });
    const vector = randomUnit(rng(3), 8);
    expect(await store.searchLexical('tiles', { indices: [1], values: [1] }, { limit: 5, vector })).toEqual([]);
    expect(sent.some((r) => r.path.endsWith('/points/query'))).toBe(false);
    const point = { ...makePoints(8, 1)[0]!, lexical: { indices: [1, 2], values: [0.5, 0.5] } };
    await store.upsert('tiles', [point]);
    const upsert = sent.find((r) => r.method === 'PUT' && r.path.endsWith('/points'))!;
    expect((upsert.body as { points: { vector: unknown }[] }).points[0]!.vector).toEqual(Array.from(point.vector));
  });

  it('asks the lexical list, and settles a tie of BM25 across the cut by the dense cosine', async () => {
    const store = await open();
    const payload = makePoints(8, 1)[0]!.payload;
    const dense = Float32Array.from([1, 0, 0, 0, 0, 0, 0, 0]);
    const vec = (x: number) => ({ '': [x, Math.sqrt(1 - x * x), 0, 0, 0, 0, 0, 0] });
    replies.push((r) =>
      /^\/collections\/[^/]+$/.test(r.path) && r.method === 'GET'
        ? {
            result: {
              config: { params: { vectors: { size: 8, distance: 'Cosine' }, sparse_vectors: { lexical: {} } } },
            },
          }
        : undefined,
    );
    replies.push((r) => {
      if (!r.path.endsWith('/points/query')) return undefined;
      if ((r.body as { prefetch?: unknown }).prefetch) {
        // the tie: every point at or above the cut, by dense cosine (Qdrant's score)
        return {
          result: {
            points: [
              { id: 'a', version: 1, score: 0.99, payload },
              { id: 't3', version: 1, score: 0.95, payload },
              { id: 't1', version: 1, score: 0.5, payload },
            ],
          },
        };
      }
      return {
        result: {
          points: [
            { id: 'a', version: 1, score: 4, payload, vector: vec(0.99) },
            { id: 't1', version: 1, score: 2, payload, vector: vec(0.5) },
            { id: 't2', version: 1, score: 2, payload, vector: vec(0.1) },
          ],
        },
      };
    });
    const hits = await store.searchLexical('tiles', lexicalQuery('subplate'), { limit: 2, vector: dense });
    const queries = sent.filter((r) => r.path.endsWith('/points/query'));
    expect(queries).toHaveLength(2);
    expect(queries[0]!.body).toMatchObject({ using: 'lexical', limit: 3, with_vector: true });
    expect(queries[1]!.body).toMatchObject({ prefetch: { using: 'lexical', score_threshold: 2 }, limit: 2 });
    expect(hits.map((h) => [h.id, h.lexical])).toEqual([
      ['a', 4],
      ['t3', 2],
    ]);
    expect(hits[0]!.score).toBeCloseTo(0.99, 6);
    expect(hits[1]!.score).toBe(0.95);
  });

  it('counts the total only when the page cannot tell it: a count, a thresholded query or groups', async () => {
    const store = await open();
    const vector = randomUnit(rng(2), 8);
    const payload = makePoints(8, 1)[0]!.payload;
    const scored = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: String(i), score: 0.9 - i / 100, payload }));
    replies.push((r) => {
      if (r.path.endsWith('/points/count')) return { result: { count: 40_000 } };
      if (r.path.endsWith('/points/query/groups')) {
        const limit = (r.body as { limit: number }).limit;
        return {
          result: {
            groups: [
              { id: 'demo/a', hits: scored(limit > 100 ? 3 : 2) },
              { id: 'demo/b', hits: scored(2) },
            ],
          },
        };
      }
      if (r.path.endsWith('/points/query')) {
        const { limit, offset = 0 } = r.body as { limit: number; offset?: number };
        return { result: { points: scored(Math.max(0, Math.min(limit, 37 - offset))) } };
      }
      return undefined;
    });
    const counted = () => sent.filter((r) => /\/points\/(count|query)/.test(r.path)).slice(-2);

    expect(await store.search('tiles', vector, { limit: 10 })).toMatchObject({ total: 10_000, totalExact: false });
    expect(counted().map((r) => r.path.split('/').pop())).toEqual(['query', 'count']);

    expect(await store.search('tiles', vector, { limit: 10, minScore: 0.5 })).toMatchObject({
      total: 37,
      totalExact: true,
    });
    expect(counted()[1]!.body).toMatchObject({ limit: 10_001, score_threshold: 0.5, with_payload: false });

    const before = sent.length;
    expect(await store.search('tiles', vector, { limit: 10, offset: 30 })).toMatchObject({
      total: 37,
      totalExact: true,
    });
    expect(sent.slice(before).map((r) => r.path.split('/').pop())).toEqual(['query']); // a short page tells

    const grouped = await store.search('tiles', vector, { limit: 3, perSection: 2 });
    expect(grouped).toMatchObject({ total: 5, totalExact: true });
    expect(counted()[1]!.body).toMatchObject({ limit: 10_001, group_size: 2, with_payload: false });
  });

  it('rejects bad input before sending anything', async () => {
    const store = await open();
    const before = sent.length;
    await expect(store.count('tiles', { week: 3 } as unknown as SearchFilter)).rejects.toThrow(
      /unknown filter field "week"/,
    );
    await expect(store.search('tiles', new Float32Array(9), { limit: 1 })).rejects.toThrow(/dimension 9/);
    expect(sent.slice(before).every((r) => r.method === 'GET')).toBe(true); // at most the collection's dimension was read
  });

  it('names a collection Qdrant does not have', async () => {
    const store = await open();
    replies.push((r) => (r.path === '/collections/nope' ? { status: 404, result: null } : undefined));
    const error = await store.count('nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CytoclipError);
    expect((error as CytoclipError).status).toBe(404);
    expect((error as Error).message).toMatch(/"nope"/);
  });

  it('fails to open with a clear error when Qdrant does not answer, after retrying', async () => {
    replies.push(() => 'drop');
    const error = await open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CytoclipError);
    expect((error as Error).message).toMatch(/Qdrant at http:\/\/qdrant.test:6333 does not answer/);
    expect(sent).toHaveLength(3);
  });
});
