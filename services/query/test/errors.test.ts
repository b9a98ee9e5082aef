import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type QueryVectors } from '@cytoclip/query';
import { buildFixture, closeFixture, post } from './fixture.js';

let f: Awaited<ReturnType<typeof buildFixture>>;
beforeAll(async () => {
  f = await buildFixture({ apiKey: 'sesame', maxBodyBytes: 64 * 1024, maxImagePixels: 100 * 100 });
}, 300_000);
afterAll(closeFixture);

const tile = '00000000-0000-5000-8000-000000000000';
const MALFORMED: [string, string, unknown, number, string][] = [
  ['not JSON', '/v1/search', '{"query":', 400, 'body'],
  ['empty object', '/v1/search', {}, 400, 'query'],
  ['two query kinds', '/v1/search', { query: { text: 'a', tileId: tile } }, 400, 'query'],
  ['empty text', '/v1/search', { query: { text: '  ' } }, 400, 'query.text'],
  ['unknown query field', '/v1/search', { query: { words: 'a' } }, 400, 'query'],
  ['unknown filter field', '/v1/search', { query: { text: 'a' }, filter: { colour: 'red' } }, 400, 'filter'],
  ['bad plane', '/v1/search', { query: { text: 'a' }, filter: { planes: ['oblique'] } }, 400, 'filter.planes.0'],
  [
    'week as string',
    '/v1/search',
    { query: { text: 'a' }, filter: { gestationalWeek: { gte: '18' } } },
    400,
    'filter.gestationalWeek.gte',
  ],
  ['unknown region', '/v1/search', { query: { text: 'a' }, filter: { regions: ['XYZ'] } }, 400, 'filter.regions'],
  ['limit 0', '/v1/search', { query: { text: 'a' }, limit: 0 }, 400, 'limit'],
  ['limit over cap', '/v1/search', { query: { text: 'a' }, limit: 100000 }, 400, 'limit'],
  ['window over 10000', '/v1/search', { query: { text: 'a' }, limit: 100, offset: 9950 }, 400, 'offset'],
  ['negative offset', '/v1/search', { query: { text: 'a' }, offset: -1 }, 400, 'offset'],
  ['fractional limit', '/v1/search', { query: { text: 'a' }, limit: 2.5 }, 400, 'limit'],
  ['bad target', '/v1/search', { query: { text: 'a' }, target: 'pixels' }, 400, 'target'],
  ['minScore over 1', '/v1/search', { query: { text: 'a' }, minScore: 2 }, 400, 'minScore'],
  ['tileId not a uuid', '/v1/search', { query: { tileId: 'x' } }, 400, 'query.tileId'],
  ['unknown tileId', '/v1/search', { query: { tileId: tile } }, 404, 'query.tileId'],
  ['unknown model', '/v1/search', { query: { text: 'a' }, model: 'nope@9' }, 404, 'model'],
  ['regions target, no index', '/v1/search', { query: { text: 'a' }, target: 'regions' }, 404, ''],
  ['tileId with target regions', '/v1/search', { query: { tileId: tile }, target: 'regions' }, 404, ''],
  ['image not base64', '/v1/search', { query: { image: '***' } }, 400, 'query.image'],
  [
    'image not an image',
    '/v1/search',
    { query: { image: Buffer.from('hello world').toString('base64') } },
    415,
    'query.image',
  ],
  ['array body', '/v1/search', [], 400, 'body'],
  ['null body', '/v1/search', 'null', 400, 'body'],
  ['classify without image', '/v1/classify', {}, 400, 'image'],
  ['heatmap unknown section', '/v1/heatmap', { section: 'nope', query: { text: 'cortical' } }, 404, ''],
  ['heatmap no query', '/v1/heatmap', { section: 'S01-cor-0001', query: {} }, 400, 'query'],
  ['heatmap empty text', '/v1/heatmap', { section: 'S01-cor-0001', query: { text: ' ' } }, 400, 'query.text'],
  ['trajectory two queries', '/v1/trajectory', { query: { text: 'a', image: 'AAAA' } }, 400, 'query'],
];

describe('malformed requests get problem+json, never 5xx', () => {
  it.each(MALFORMED)('%s', async (_name, path, body, status, field) => {
    const r = await post(f.app, path, body);
    expect(r.status).toBe(status);
    expect(r.type).toContain('application/problem+json');
    expect(r.json.status).toBe(status);
    expect(r.json.title).toBeTruthy();
    expect(r.json.detail).toBeTruthy();
    if (field) expect(r.json.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('refuses a trajectory over more items than maxScoreAll, naming the filter', async () => {
    // maxScoreAll bounds the API's own scoring, used when the vector port cannot summarise weeks in the store: the
    // real store's port without its weekSummary. (With it, the store summarises any number of items.)
    const summarised = await post((await buildFixture({ maxScoreAll: 10 })).app, '/v1/trajectory', {
      query: { text: 'cortical' },
    });
    expect(summarised.status).toBe(200);
    const scoring: QueryVectors = { ...f.vectors };
    delete scoring.weekSummary;
    const small = createApp({
      catalog: f.catalog,
      vectors: scoring,
      models: [f.stack.model],
      config: { dataDir: f.dir, maxScoreAll: 10 },
    });
    const r = await post(small.app, '/v1/trajectory', { query: { text: 'cortical' } });
    expect(r.status).toBe(422);
    expect(r.json.errors[0].field).toBe('filter');
    const narrow = await post(small.app, '/v1/trajectory', {
      query: { text: 'cortical' },
      filter: { sections: ['S01-cor-0001'], regions: ['CP'] },
    });
    expect(narrow.status).toBe(200);
    expect(narrow.json.weeks).toEqual([expect.objectContaining({ gestationalWeek: 16, count: 4 })]);
    expect(summarised.json.weeks.map((w: { count: number }) => w.count)).toEqual([32, 32, 32]);
  });

  it('rejects a non-JSON media type with 415', async () => {
    const res = await f.app.request('/v1/search', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'cortex',
    });
    expect(res.status).toBe(415);
  });

  it('rejects an oversized body with 413', async () => {
    const r = await post(f.app, '/v1/search', { query: { text: 'a'.repeat(100_000) } });
    expect(r.status).toBe(413);
    expect(r.type).toContain('application/problem+json');
  });

  it('rejects an image over the pixel limit with 413 and a truncated one with 400', async () => {
    const sharp = (await import('sharp')).default;
    const big = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    expect((await post(f.app, '/v1/search', { query: { image: big.toString('base64') } })).status).toBe(413);
    const small = await sharp({ create: { width: 60, height: 60, channels: 3, background: '#abc' } })
      .jpeg()
      .toBuffer();
    const cut = small.subarray(0, small.length >> 1);
    const r = await post(f.app, '/v1/search', { query: { image: cut.toString('base64') } });
    expect(r.status).toBe(400);
    expect(r.json.detail).toMatch(/could not be decoded/);
    expect(r.json.errors[0].field).toBe('query.image');
  });

  it('rejects multipart without an image, and a non-image upload', async () => {
    const none = await f.app.request('/v1/search/image', { method: 'POST', body: new FormData() });
    expect(none.status).toBe(400);
    const form = new FormData();
    form.set('image', new Blob(['%PDF-1.4 not an image']), 'x.pdf');
    const pdf = await f.app.request('/v1/search/image', { method: 'POST', body: form });
    expect(pdf.status).toBe(415);
    const broken = await f.app.request('/v1/search/image', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=zzz' },
      body: 'garbage',
    });
    expect(broken.status).toBe(400);
  });

  it('answers unknown routes and ids with 404 problems', async () => {
    for (const path of [
      '/v1/nothing',
      '/v1/tiles/00000000-0000-5000-8000-000000000000',
      '/v1/sections/none',
      '/v1/sections/none/dzi',
    ]) {
      const res = await f.app.request(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toContain('problem+json');
    }
    expect((await f.app.request('/v1/tiles/not-a-uuid')).status).toBe(400);
    expect((await f.app.request('/v1/sections/S01-cor-0001/dzi_files/0/bad')).status).toBe(400);
    expect((await f.app.request('/v1/sections/S01-cor-0001/dzi_files/3/99_99.jpeg')).status).toBe(404);
  });
});

describe('keys guard ingest and admin routes', () => {
  it('answers 401 without a key, with a wrong key, and always when the server has none', async () => {
    expect((await post(f.app, '/v1/ingest', { atlas: 'tiny' })).status).toBe(401);
    expect((await post(f.app, '/v1/ingest', { atlas: 'tiny' }, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await f.app.request('/v1/atlases/tiny', { method: 'DELETE' })).status).toBe(401);
    const open = await buildFixture();
    expect((await post(open.app, '/v1/ingest', { atlas: 'tiny' }, { authorization: 'Bearer sesame' })).status).toBe(
      401,
    );
  });

  it('refuses atlases outside the atlas roots', async () => {
    const r = await post(f.app, '/v1/ingest', { atlas: '/etc' }, { authorization: 'Bearer sesame' });
    expect(r.status).toBe(400);
    expect(r.json.errors[0].field).toBe('atlas');
    const up = await post(f.app, '/v1/ingest', { atlas: '../../..' }, { 'x-api-key': 'sesame' });
    expect(up.status).toBe(400);
  });

  // Last in the file: every app here shares one real stack, and this empties it.
  it('deletes an atlas with the key, its points included', async () => {
    const g = await buildFixture({ apiKey: 'sesame' });
    const copies = join(g.dir, 'sections', 'tiny');
    expect(existsSync(copies)).toBe(true);
    const res = await g.app.request('/v1/atlases/tiny', {
      method: 'DELETE',
      headers: { authorization: 'Bearer sesame' },
    });
    expect(res.status).toBe(204);
    expect(
      (await g.app.request('/v1/atlases/tiny', { method: 'DELETE', headers: { authorization: 'Bearer sesame' } }))
        .status,
    ).toBe(404);
    expect(((await (await g.app.request('/v1/atlases')).json()) as { atlases: unknown[] }).atlases).toEqual([]);
    expect(await g.stack.store.count('cytoclip-tiny-random_1')).toBe(0);
    expect(existsSync(copies)).toBe(false); // its section copies too: a re-ingest never serves the old pixels
  });
});
