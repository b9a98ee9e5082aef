import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '@cytoclip/query';
import { KeyRing } from '../src/keys.js';
import { buildFixture, closeFixture, post } from './fixture.js';

// Keys of equal length on purpose: a wrong key of the same length must fare exactly like one of another length.
const ADMIN = 'admin-key-0001';
const INGEST = 'ingest-key-001';
const READ = 'read-key-00001';
const KEYS = { apiKey: ADMIN, ingestKey: INGEST, readKey: READ };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

type Fixture = Awaited<ReturnType<typeof buildFixture>>;
let f: Fixture;
beforeAll(async () => {
  f = await buildFixture(KEYS);
}, 300_000);
afterAll(closeFixture);

async function get(app: Fixture['app'], path: string, headers: Record<string, string> = {}) {
  const res = await app.request(path, { headers });
  return { status: res.status, res, body: await res.text() };
}

describe('a private deployment (CYTOCLIP_READ_KEY set)', () => {
  it('answers every /v1 read route 401 problem+json without a key, with WWW-Authenticate', async () => {
    for (const path of ['/v1/atlases', '/v1/regions', '/v1/specimens', '/v1/models', `/v1/tiles/${f.tileIds[0]}`]) {
      const r = await get(f.app, path);
      expect(r.status, path).toBe(401);
      expect(r.res.headers.get('content-type')).toBe('application/problem+json');
      expect(r.res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const search = await post(f.app, '/v1/search', { query: { text: 'cortical plate' } });
    expect(search.status).toBe(401);
    expect(search.json.detail).toMatch(/read key/);
  });

  it('lets the read key and every wider key read, by Bearer or X-API-Key', async () => {
    for (const headers of [bearer(READ), bearer(INGEST), bearer(ADMIN), { 'x-api-key': READ }]) {
      expect((await get(f.app, '/v1/atlases', headers)).status).toBe(200);
      expect((await post(f.app, '/v1/search', { query: { text: 'cortical plate' } }, headers)).status).toBe(200);
    }
  });

  it('keeps the probes, the API description and the docs open', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs'])
      expect((await get(f.app, path)).status).toBe(200);
  });

  it('answers a wrong key 401 the same way whether or not its length matches a real key', async () => {
    const sameLength = await get(f.app, '/v1/atlases', bearer('xxxxx-key-0001'));
    const shorter = await get(f.app, '/v1/atlases', bearer('x'));
    const longer = await get(f.app, '/v1/atlases', bearer(`${ADMIN}${ADMIN}`));
    const prefix = await get(f.app, '/v1/atlases', bearer(ADMIN.slice(0, -1)));
    for (const r of [sameLength, shorter, longer, prefix]) {
      expect(r.status).toBe(401);
      expect(r.body).toBe(sameLength.body);
    }
    expect(JSON.parse(sameLength.body).detail).toBe('wrong API key');
  });
});

describe("the web app's read-key cookie", () => {
  const cookie = (key: string) => ({ cookie: `cytoclip_read_key=${encodeURIComponent(key)}` });

  it('lets a browser fetch images and other reads by GET with the cookie (an <img> sends no header)', async () => {
    expect((await get(f.app, `/v1/tiles/${f.tileIds[0]}/image?size=64`, cookie(READ))).status).toBe(200);
    expect((await get(f.app, '/v1/atlases', cookie(READ))).status).toBe(200);
    expect((await get(f.app, '/v1/atlases', cookie('wrong'))).status).toBe(401);
  });

  it('never takes the cookie on a POST or on an ingest or admin route, even holding the admin key', async () => {
    expect((await post(f.app, '/v1/search', { query: { text: 'cortical plate' } }, cookie(READ))).status).toBe(401);
    expect((await post(f.app, '/v1/ingest', { atlas: 'nowhere' }, cookie(ADMIN))).status).toBe(401);
    expect((await get(f.app, '/v1/ingest/some-job', cookie(ADMIN))).status).toBe(401);
  });
});

describe('scopes', () => {
  it('refuses the read key on ingest routes with 403, takes the ingest and admin keys there', async () => {
    const read = await post(f.app, '/v1/ingest', { atlas: 'nowhere' }, bearer(READ));
    expect(read.status).toBe(403);
    expect(read.type).toBe('application/problem+json');
    expect(read.json.detail).toBe('the read key does not grant ingest routes');
    // Past the key check, the atlas name is checked: a 400 naming it proves the key was accepted.
    for (const key of [INGEST, ADMIN]) {
      const r = await post(f.app, '/v1/ingest', { atlas: 'nowhere' }, bearer(key));
      expect(r.status).toBe(400);
      expect(r.json.errors[0].field).toBe('atlas');
    }
    expect((await get(f.app, '/v1/ingest/some-job', bearer(READ))).status).toBe(403);
    expect((await get(f.app, '/v1/ingest/some-job', bearer(INGEST))).status).toBe(404);
  });

  it('keeps reads open when no read key is set, whatever key comes along', async () => {
    const open = await buildFixture({ apiKey: ADMIN });
    expect((await get(open.app, '/v1/atlases')).status).toBe(200);
    expect((await get(open.app, '/v1/atlases', bearer('nonsense'))).status).toBe(200);
  });

  it('says which variable is missing when no key could grant a route', async () => {
    const onlyIngest = await buildFixture({ ingestKey: INGEST });
    const none = await onlyIngest.app.request('/v1/atlases/tiny', { method: 'DELETE' });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { detail: string }).detail).toMatch(/no CYTOCLIP_API_KEY set/);
    const ingest = await onlyIngest.app.request('/v1/atlases/tiny', { method: 'DELETE', headers: bearer(INGEST) });
    expect(ingest.status).toBe(403);
    const noKeys = await buildFixture();
    const r = await post(noKeys.app, '/v1/ingest', { atlas: 'tiny' }, bearer(INGEST));
    expect(r.status).toBe(401);
    expect(r.json.detail).toMatch(/no CYTOCLIP_INGEST_KEY or CYTOCLIP_API_KEY set/);
  });

  // Last in the file: it empties the shared stack.
  it('lets only the admin key delete an atlas: the ingest key gets 403 and the atlas stays', async () => {
    for (const key of [READ, INGEST]) {
      const r = await f.app.request('/v1/atlases/tiny', { method: 'DELETE', headers: bearer(key) });
      expect(r.status).toBe(403);
    }
    const atlases = async () =>
      ((await (await f.app.request('/v1/atlases', { headers: bearer(READ) })).json()) as { atlases: unknown[] })
        .atlases;
    expect(await atlases()).toHaveLength(1);
    const admin = await f.app.request('/v1/atlases/tiny', { method: 'DELETE', headers: bearer(ADMIN) });
    expect(admin.status).toBe(204);
    expect(await atlases()).toEqual([]);
  });
});

describe('KeyRing', () => {
  it('grants the widest scope a key matches, and nothing to an unknown or empty key', () => {
    const ring = new KeyRing(KEYS);
    expect([ADMIN, INGEST, READ, 'nope', ''].map((k) => ring.scopeOf(k))).toEqual([
      'admin',
      'ingest',
      'read',
      null,
      null,
    ]);
    expect(new KeyRing({ apiKey: 'same', ingestKey: 'same', readKey: null }).scopeOf('same')).toBe('admin');
    const empty = new KeyRing({ apiKey: null, ingestKey: null, readKey: null });
    expect(['admin', 'ingest', 'read'].map((s) => empty.canGrant(s as 'read'))).toEqual([false, false, false]);
    expect(new KeyRing({ apiKey: 'a', ingestKey: null, readKey: null }).canGrant('read')).toBe(true);
  });
});

describe('configFromEnv', () => {
  it('reads the keys, the rate limit, the metrics port and the log level', () => {
    const config = configFromEnv({
      DATA_DIR: '/d',
      CYTOCLIP_API_KEY: 'a',
      CYTOCLIP_INGEST_KEY: 'i',
      CYTOCLIP_READ_KEY: 'r',
      CYTOCLIP_RATE_LIMIT: '30',
      CYTOCLIP_TRUST_PROXY: 'true',
      CYTOCLIP_METRICS_PORT: '9464',
      CYTOCLIP_METRICS_HOST: '10.0.0.2',
      CYTOCLIP_LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      apiKey: 'a',
      ingestKey: 'i',
      readKey: 'r',
      rateLimit: 30,
      trustProxy: true,
      metricsPort: 9464,
      metricsHost: '10.0.0.2',
      logLevel: 'warn',
    });
    expect(configFromEnv({ DATA_DIR: '/d' })).toMatchObject({
      ingestKey: null,
      readKey: null,
      rateLimit: 0,
      trustProxy: false,
      metricsPort: null,
      logLevel: 'info',
    });
  });

  it('refuses a malformed value naming its variable', () => {
    expect(() => configFromEnv({ CYTOCLIP_RATE_LIMIT: 'lots' })).toThrow(/CYTOCLIP_RATE_LIMIT/);
    expect(() => configFromEnv({ CYTOCLIP_METRICS_PORT: '70000' })).toThrow(/CYTOCLIP_METRICS_PORT/);
    expect(() => configFromEnv({ CYTOCLIP_TRUST_PROXY: 'maybe' })).toThrow(/CYTOCLIP_TRUST_PROXY/);
    expect(() => configFromEnv({ CYTOCLIP_LOG_LEVEL: 'loud' })).toThrow(/CYTOCLIP_LOG_LEVEL/);
  });
});
