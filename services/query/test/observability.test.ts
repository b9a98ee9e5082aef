import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog } from '@cytoclip/catalog';
import { CytoclipError } from '@cytoclip/domain';
import { ingestAtlas } from '@cytoclip/ingest';
import { createApp, createLogger, serve, vectorsPort, type QueryConfig } from '@cytoclip/query';
import { openVectorStore } from '@cytoclip/vectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyAtlas } from '../../../test/support/index.js';
import { buildFixture, closeFixture, MODEL, post } from './fixture.js';

const ADMIN = 'admin-key';
const INGEST = 'ingest-key';
type Line = Record<string, unknown> & { level: number; msg: string; reqId?: string };

let f: Awaited<ReturnType<typeof buildFixture>>;
beforeAll(async () => {
  f = await buildFixture();
}, 300_000);
afterAll(closeFixture);

/** The app over the shared real stack, logging JSON lines into `lines` (pino's destination stream). */
function loggedApp(config: Partial<QueryConfig> = {}, vectors = f.vectors) {
  const lines: Line[] = [];
  const logger = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  const built = createApp({
    catalog: f.catalog,
    vectors,
    models: [f.stack.model],
    config: { dataDir: f.dir, apiKey: ADMIN, ingestKey: INGEST, ...config },
    logger,
  });
  return { ...built, lines };
}

describe('request ids and the access log', () => {
  it('echoes a sane X-Request-Id, makes one up otherwise, and puts it on the access line', async () => {
    const { app, lines } = loggedApp();
    const given = await app.request('/v1/atlases', { headers: { 'x-request-id': 'lab-42_a' } });
    expect(given.headers.get('x-request-id')).toBe('lab-42_a');
    const made = await app.request('/v1/regions?secret=1');
    const id = made.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await app.request('/v1/atlases', { headers: { 'x-request-id': 'a b\u0001"}' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const access = lines.filter((l) => l.msg === 'request');
    expect(access).toHaveLength(3);
    expect(access[0]).toMatchObject({ level: 30, reqId: 'lab-42_a', method: 'GET', path: '/v1/atlases', status: 200 });
    expect(access[1]).toMatchObject({
      reqId: id,
      path: '/v1/regions',
      route: '/v1/regions',
      service: 'cytoclip-query',
    });
    expect(typeof access[1]!.ms).toBe('number');
    expect(typeof access[1]!.time).toBe('string');
    expect(JSON.stringify(lines)).not.toContain('secret'); // the query string stays out
  });

  it('gives refusals and unknown routes their id and line too', async () => {
    const { app, lines } = loggedApp();
    const statuses: number[] = [];
    for (const [path, init] of [
      ['/v1/nowhere', {}],
      ['/v1/atlases/tiny', { method: 'DELETE' }],
      ['/v1/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }],
    ] as const) {
      const res = await app.request(path, init);
      statuses.push(res.status);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(lines.at(-1)).toMatchObject({
        msg: 'request',
        status: res.status,
        reqId: res.headers.get('x-request-id'),
      });
    }
    expect(statuses).toEqual([404, 401, 400]);
  });

  it('logs a server error with the request id, never the SQL, its parameters or its cause', async () => {
    const failure = Object.assign(new Error('store unreachable'), {
      query: 'select * from tiles where id = $1',
      params: ['patient-secret-7'],
      cause: new Error('select failed for patient-secret-7'),
    });
    const failing = { ...f.vectors, search: () => Promise.reject(failure) };
    const { app, lines } = loggedApp({}, failing);
    const res = await app.request(`/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'failing-1' },
      body: JSON.stringify({ query: { tileId: f.tileIds[0] } }),
    });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('unreachable');
    const error = lines.find((l) => l.level === 50)!;
    expect(error).toMatchObject({ reqId: 'failing-1', msg: 'request failed', err: { message: 'store unreachable' } });
    expect((error.err as { stack?: string }).stack).toMatch(/^\s+at /);
    expect(JSON.stringify(lines)).not.toMatch(/patient-secret|select/);
    expect(lines.at(-1)).toMatchObject({ msg: 'request', status: 500, reqId: 'failing-1' });
  });

  it('logs a CytoclipError 5xx by its code', async () => {
    const broken = {
      ...f.vectors,
      search: () => Promise.reject(new CytoclipError('store_down', 'the vector store is down', { status: 503 })),
    };
    const { app, lines } = loggedApp({}, broken);
    expect((await post(app, '/v1/search', { query: { tileId: f.tileIds[0] } })).status).toBe(503);
    expect(lines.find((l) => l.level === 50)).toMatchObject({ err: { code: 'store_down', type: 'CytoclipError' } });
  });
});

describe('/metrics', () => {
  it('needs the admin key: 401 without, 403 with the ingest key', async () => {
    const { app } = loggedApp();
    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: `Bearer ${INGEST}` } })).status).toBe(403);
    const ok = await app.request('/metrics', { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('has a port of its own without a key when one is configured, and the API port still guards it', async () => {
    const { app } = loggedApp({ metricsPort: 0 });
    const server = await serve(app, { port: 0, host: '127.0.0.1' });
    try {
      expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(server.metricsUrl).not.toContain(`:${server.port}/`);
      const open = await fetch(server.metricsUrl!);
      expect(open.status).toBe(200);
      expect(await open.text()).toContain('cytoclip_http_requests_total');
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      expect((await fetch(server.metricsUrl!.replace('/metrics', '/v1/atlases'))).status).toBe(404);
    } finally {
      await server.close();
    }
    await expect(fetch(server.metricsUrl!)).rejects.toThrow();
  });

  it('exposes the process defaults, request latency by route and status, store and model latency, points', async () => {
    const { app, metrics } = loggedApp();
    expect((await post(app, '/v1/search', { query: { text: 'cortical plate' } })).status).toBe(200);
    expect((await app.request('/v1/tiles/not-a-uuid')).status).toBe(400);
    const text = await (await app.request('/metrics', { headers: { 'x-api-key': ADMIN } })).text();
    for (const series of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(text).toContain(`\n${series}`);
    const bucket = (labels: string) => new RegExp(`cytoclip_http_request_duration_seconds_count\\{${labels}\\} 1\\b`);
    expect(text).toMatch(bucket('method="POST",route="/v1/search",status="200"'));
    expect(text).toMatch(bucket('method="GET",route="/v1/tiles/:id",status="400"'));
    expect(text).toMatch(/cytoclip_store_duration_seconds_count\{operation="search"\} [1-9]/);
    expect(text).toMatch(
      new RegExp(`cytoclip_model_embed_duration_seconds_count\\{model="${MODEL}",kind="text"\\} 1\\b`),
    );
    expect(text).toMatch(
      /cytoclip_index_points\{model="cytoclip-tiny-random@1",variant="tile",collection="[^"]+"\} 96\b/,
    );
    expect(text).toMatch(/cytoclip_searches_total\{query="text",target="tiles"\} 1\b/);
    expect(metrics.contentType).toMatch(/^text\/plain/);
  });

  it("counts ingest's tiles and sections from its progress events", { timeout: 300_000 }, async () => {
    const base = await mkdtemp(join(tmpdir(), 'cytoclip-metrics-ingest-'));
    const catalog = await openCatalog({ dataDir: base });
    const store = await openVectorStore({ dataDir: base });
    try {
      const { metrics } = loggedApp({}, vectorsPort(store));
      const report = await ingestAtlas({
        atlas: await tinyAtlas(),
        catalog,
        vectors: store,
        models: [f.stack.model],
        dataDir: base,
        tileGrid: { micronsPerPixel: 2, size: 64 },
        onProgress: (event) => metrics.observeIngest(event),
      });
      const text = await metrics.render();
      const value = (series: string) => Number(new RegExp(`^${series} (\\S+)$`, 'm').exec(text)?.[1]);
      expect(report.processed.tiles).toBeGreaterThan(0);
      expect(value('cytoclip_ingest_tiles_total')).toBe(report.processed.tiles);
      expect(value('cytoclip_ingest_sections_total\\{outcome="done"\\}')).toBe(report.processed.done);
      expect(value('cytoclip_ingest_runs_active')).toBe(0);
      expect(value('cytoclip_ingest_tiles_per_second')).toBe(0);
    } finally {
      await store.close();
      await catalog.close();
      await rm(base, { recursive: true, force: true });
    }
  });
});
