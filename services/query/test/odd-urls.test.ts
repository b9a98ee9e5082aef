import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, closeFixture } from './fixture.js';

let f: Awaited<ReturnType<typeof buildFixture>>;
beforeAll(async () => {
  const built = await buildFixture();
  const web = join(built.dir, 'web');
  mkdirSync(web, { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html>');
  f = await buildFixture({ staticDir: web, apiKey: 'k' });
}, 300_000);
afterAll(closeFixture);

// Odd paths, methods and query strings are the client's mistake: never a 5xx.
const ODD: [string, string][] = [
  ['GET', '/%E0%A4%A'],
  ['GET', '/v1/sections/%E0%A4%A'],
  ['GET', '/v1/tiles/%ZZ/image'],
  ['GET', '/v1/sections/S01-cor-0001/dzi_files/999999999/0_0.jpeg'],
  ['GET', '/v1/sections/S01-cor-0001/dzi_files/-1/0_0.jpeg'],
  ['GET', '/v1/sections/S01-cor-0001/dzi_files/x/0_0.jpeg'],
  ['GET', '/v1/tiles/00000000-0000-5000-8000-000000000000/image?size=abc'],
  ['PUT', '/v1/search'],
  ['GET', '/v1/search'],
  ['DELETE', '/v1/atlases/'],
  ['GET', '/v1/ingest/nope'],
  ['POST', '/v1/ingest'],
];

describe('odd requests', () => {
  it.each(ODD)('%s %s answers 4xx', async (method, path) => {
    const res = await f.app.request(path, { method, headers: { authorization: 'Bearer k' } });
    expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
    expect(res.status, `${method} ${path}`).toBeLessThan(500);
  });
});

describe('random bodies', () => {
  it('never get a 5xx from the JSON routes', async () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const keys = [
      'query',
      'text',
      'image',
      'tileId',
      'filter',
      'limit',
      'offset',
      'regions',
      'planes',
      'gestationalWeek',
      'gte',
      'section',
      'target',
      'minScore',
      'perSection',
      'model',
      'topK',
    ];
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.15) return Math.floor(rnd() * 40) - 10;
      if (r < 0.3) return ['coronal', 'CP', 'x', '', 'tiles', 'S01-cor-0001', 'AAAA'][Math.floor(rnd() * 7)];
      if (r < 0.4) return rnd() < 0.5 ? null : true;
      if (r < 0.55) return Array.from({ length: Math.floor(rnd() * 3) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => [
          keys[Math.floor(rnd() * keys.length)]!,
          value(depth + 1),
        ]),
      );
    };
    const routes = ['/v1/search', '/v1/classify', '/v1/heatmap', '/v1/trajectory'];
    for (let i = 0; i < 200; i++) {
      const route = routes[i % routes.length]!;
      const body = JSON.stringify(value(0));
      const res = await f.app.request(route, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, `${route} ${body}`).toBeLessThan(500);
    }
  });
});
