import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFixture } from './fixture.js';

let f: Awaited<ReturnType<typeof buildFixture>>;
beforeAll(async () => {
  const built = await buildFixture();
  const web = join(built.dir, 'web');
  mkdirSync(web, { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html>');
  f = await buildFixture({ staticDir: web, apiKey: 'k' });
});

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
