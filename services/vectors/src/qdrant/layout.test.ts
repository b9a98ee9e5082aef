import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DATA_VERSION } from '../data-version.js';
import { FakeQdrant } from '../testing/fake-qdrant.js';
import { makePoints, randomUnit, rng } from '../testing/fixtures.js';
import { QdrantVectorStore } from './store.js';

/**
 * The adapter's request sequence for collections behind aliases, data-format stamps, layout upgrades and grouped
 * top-k, against a FAKE Qdrant (a recording node:http server, src/testing/fake-qdrant.ts): no Qdrant server can run
 * here. The same behaviour on a real server is in the contract suite (QDRANT_URL).
 */
let fake: FakeQdrant;
const fast = { attempts: 2, baseMs: 1, maxMs: 2, sleep: async () => {} };
const open = (apiKey?: string) => QdrantVectorStore.open({ url: fake.url, apiKey, retry: fast });

beforeEach(async () => {
  fake = await new FakeQdrant().start();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await fake.stop();
});

describe('Qdrant adapter against a fake Qdrant server', () => {
  it('creates <name>_v1 stamped with the data format behind the alias <name>, sending the API key', async () => {
    const store = await open('secret-key');
    await store.ensureCollection('cytoclip-mini-tile_1', { dim: 8 });
    expect(fake.writes()).toEqual([
      'PUT /collections/cytoclip-mini-tile_1_v1',
      ...Array.from({ length: 10 }, () => 'PUT /collections/cytoclip-mini-tile_1_v1/index'),
      'POST /collections/aliases',
    ]);
    expect(fake.aliases.get('cytoclip-mini-tile_1')).toBe('cytoclip-mini-tile_1_v1');
    expect(fake.collections.get('cytoclip-mini-tile_1_v1')!.metadata).toEqual({ cytoclipDataVersion: DATA_VERSION });
    expect(fake.requests.every((r) => r.apiKey === 'secret-key')).toBe(true);
    expect(await store.dataVersion('cytoclip-mini-tile_1')).toBe(DATA_VERSION);
    expect((await store.listCollections()).map((c) => c.name)).toEqual(['cytoclip-mini-tile_1']);
  });

  it('checks the server version (compatibility check on)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    fake.version = '1.12.4'; // the old pin: more than one minor behind the client
    await open();
    await vi.waitFor(() => expect(fake.requests.some((r) => r.method === 'GET' && r.path === '/')).toBe(true));
    await vi.waitFor(() =>
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/incompatible with server version 1\.12\.4/)),
    );
  });

  it('is safe when workers create the same collection at once: "already exists" counts as done', async () => {
    const [a, b, c] = await Promise.all([open(), open(), open()]);
    await Promise.all([a, b, c].map((store) => store.ensureCollection('tiles_1', { dim: 8 })));
    const creates = fake.requests.filter((r) => r.method === 'PUT' && r.path === '/collections/tiles_1_v1');
    expect(creates.length).toBeGreaterThan(1); // the losers got 409 and went on
    expect([...fake.collections.keys()]).toEqual(['tiles_1_v1']);
    expect(fake.aliases.get('tiles_1')).toBe('tiles_1_v1');
    await c!.upsert('tiles_1', makePoints(8, 2));
    expect(await a!.count('tiles_1')).toBe(10);
    await expect(b!.ensureCollection('tiles_1', { dim: 16 })).rejects.toMatchObject({ status: 409 });
  });

  it('rebuilds a pre-alias, pre-stamp collection behind an alias, keeping every point, and stamps it after', async () => {
    const points = makePoints(8, 3);
    fake.addLegacy(
      'old_1',
      8,
      points.map((p) => ({ id: p.id, vector: Array.from(p.vector), payload: { ...p.payload } })),
    );
    const store = await open();
    expect(await store.dataVersion('old_1')).toBe(1);
    expect(await store.lexicalCoverage('old_1')).toMatchObject({ lexical: 0 });
    await store.upgradeLayout('old_1');
    expect(fake.writes()).toEqual([
      'PUT /collections/old_1_v1',
      ...Array.from({ length: 10 }, () => 'PUT /collections/old_1_v1/index'),
      'POST /collections/old_1/points/scroll',
      'PUT /collections/old_1_v1/points',
      'DELETE /collections/old_1',
      'POST /collections/aliases',
    ]);
    const rebuilt = fake.collections.get('old_1_v1')!;
    expect(rebuilt.points.size).toBe(points.length);
    expect(rebuilt.config).toMatchObject({ sparse_vectors: { lexical: { modifier: 'idf' } } });
    expect([...rebuilt.points.values()][0]!.payload).toHaveProperty('weekKey');
    expect(await store.dataVersion('old_1')).toBe(1); // the points still lack lexical vectors: reindex adds them
    await store.markDataVersion('old_1', DATA_VERSION);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'PATCH', path: '/collections/old_1_v1' });
    expect(await store.dataVersion('old_1')).toBe(DATA_VERSION);
    await store.upgradeLayout('old_1'); // current now: asks nothing more
    expect(fake.writes().at(-1)).toBe('PATCH /collections/old_1_v1');
  });

  it('switches an alias to the next generation in one atomic alias update, then drops the old collection', async () => {
    fake.addLegacy('t_1_v1', 8, []);
    fake.aliases.set('t_1', 't_1_v1');
    const store = await open();
    await store.upgradeLayout('t_1');
    const switched = fake.requests.find((r) => r.path === '/collections/aliases')!;
    expect(switched.body).toEqual({
      actions: [
        { delete_alias: { alias_name: 't_1' } },
        { create_alias: { collection_name: 't_1_v2', alias_name: 't_1' } },
      ],
    });
    expect(fake.writes().slice(-2)).toEqual(['POST /collections/aliases', 'DELETE /collections/t_1_v1']);
    expect(fake.aliases.get('t_1')).toBe('t_1_v2');
    await store.dropCollection('t_1');
    expect(fake.collections.size).toBe(0);
    expect(fake.aliases.size).toBe(0);
  });

  it('asks one groups query by the week text key and an exact count per group', async () => {
    const store = await open();
    await store.ensureCollection('g_1', { dim: 8 });
    await store.upsert('g_1', makePoints(8, 6));
    const query = randomUnit(rng(4), 8);
    const groups = await store.topPerGroup('g_1', query, { field: 'gestationalWeek', perGroup: 2 });
    expect(groups.map((g) => [g.value, g.count, g.hits.length])).toEqual([
      [16, 12, 2],
      [21, 12, 2],
      [30.5, 6, 2],
    ]);
    const asked = fake.requests.filter((r) => r.path.endsWith('/points/query/groups'));
    expect(asked).toHaveLength(1);
    expect(asked[0]!.body).toMatchObject({ group_by: 'weekKey', group_size: 2, limit: 200 });
    expect(fake.requests.filter((r) => r.path.endsWith('/points/count'))).toHaveLength(3);
  });

  it('summarises weeks from one groups query (never every point), the median exact under 100 points a week', async () => {
    const store = await open();
    await store.ensureCollection('s_1', { dim: 8 });
    const points = makePoints(8, 6);
    await store.upsert('s_1', points);
    const weeks = await store.bestPerField('s_1', randomUnit(rng(4), 8), 'gestationalWeek');
    expect(weeks.map((w) => [w.value, w.count])).toEqual([
      [16, 12],
      [21, 12],
      [30.5, 6],
    ]);
    expect(fake.requests.some((r) => r.path.endsWith('/points/query'))).toBe(false);
    const asked = fake.requests.filter((r) => r.path.endsWith('/points/query/groups'));
    expect(asked.map((r) => r.body)).toMatchObject([{ group_by: 'weekKey', group_size: 100 }]);
  });
});
