import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildFixture, closeFixture } from './fixture.js';

let f: Awaited<ReturnType<typeof buildFixture>>;
beforeAll(async () => {
  f = await buildFixture({ apiKey: 'k' });
}, 300_000);
afterAll(closeFixture);

// Ids reach SQL as parameters, and PostgreSQL refuses a NUL byte or broken UTF-8 in text: every route checks its ids as
// text first, so the client hears which parameter was wrong (400) instead of a 500 with the SQL in the server log.
const PATHS: [string, string, string][] = [
  ['GET', '/v1/sections/%00', 'id'],
  ['GET', '/v1/sections/S01%00', 'id'],
  ['GET', '/v1/sections/%00/dzi', 'id'],
  ['GET', '/v1/sections/%00/dzi_files/0/0_0.jpeg', 'id'],
  ['GET', '/v1/sections/%FF', 'id'],
  ['GET', '/v1/sections/%E0%A4/dzi', 'id'],
  ['GET', '/v1/sections/%ED%A0%80', 'id'],
  ['GET', '/v1/sections/a%01b', 'id'],
  ['GET', '/v1/sections/a%EF%BF%BDb', 'id'],
  ['DELETE', '/v1/atlases/%00', 'id'],
  ['DELETE', '/v1/atlases/%C3%28', 'id'],
  ['GET', '/v1/tiles/%00', 'id'],
  ['GET', '/v1/tiles/%00/image', 'id'],
  ['GET', '/v1/region-images/%00', 'id'],
  ['GET', '/v1/region-images/%FF/image', 'id'],
  ['GET', '/v1/ingest/%00', 'id'],
];

const BODIES: [string, string, string][] = [
  ['/v1/heatmap', JSON.stringify({ section: 'S01\u0000', query: { text: 'cortex' } }), 'section'],
  ['/v1/heatmap', '{"section":"\\ud800","query":{"text":"cortex"}}', 'section'],
  ['/v1/heatmap', JSON.stringify({ section: 'S01\u0007', query: { text: 'cortex' } }), 'section'],
  ['/v1/ingest', JSON.stringify({ atlas: 'tiny\u0000' }), 'atlas'],
  // Search filters reach the stores and SQL as text too.
  [
    '/v1/search',
    JSON.stringify({ query: { text: 'cortex' }, filter: { specimens: ['S01\u0000'] } }),
    'filter.specimens.0',
  ],
  ['/v1/search', '{"query":{"text":"cortex"},"filter":{"atlases":["\\ud800"]}}', 'filter.atlases.0'],
  [
    '/v1/search',
    JSON.stringify({ query: { text: 'cortex' }, filter: { sections: ['S01\u0007'] } }),
    'filter.sections.0',
  ],
];

describe('ids are checked as text before any query', () => {
  const logged: string[] = [];
  beforeAll(() => {
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
  });
  afterAll(() => {
    vi.restoreAllMocks();
    // Nothing reached the catalog, so nothing was logged (and never SQL with its parameters).
    expect(logged).toEqual([]);
  });

  it.each(PATHS)('%s %s answers 400 naming %s', async (method, path, field) => {
    const res = await f.app.request(path, { method, headers: { authorization: 'Bearer k' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as { errors: { field: string; message: string }[] };
    expect(body.errors.map((e) => e.field)).toEqual([field]);
  });

  it.each(BODIES)('POST %s %s answers 400 naming %s', async (path, body, field) => {
    const res = await f.app.request(path, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([field]);
  });

  it('reads invalid UTF-8 in a JSON body as invalid, not as a section to look up', async () => {
    const body = Buffer.concat([
      Buffer.from('{"section":"S01'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('","query":{"text":"a"}}'),
    ]);
    const res = await f.app.request('/v1/heatmap', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toBe('section is not valid UTF-8');
  });

  it('still finds well-formed ids, and answers 404 for unknown ones', async () => {
    expect((await f.app.request('/v1/sections/S01-cor-0001')).status).toBe(200);
    expect((await f.app.request('/v1/sections/S01-cor-0001/dzi')).status).toBe(200);
    expect((await f.app.request('/v1/sections/%C3%A9t%C3%A9')).status).toBe(404);
    expect((await f.app.request('/v1/atlases/nope', { method: 'DELETE', headers: { 'x-api-key': 'k' } })).status).toBe(
      404,
    );
  });
});
