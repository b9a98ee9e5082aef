import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateAtlas } from '@cytoclip/atlas';
import { main } from '@cytoclip/cli';
import { serve } from '@cytoclip/query';
import type { IngestJobAnswer, SearchResponse } from '@cytoclip/query/api-types';
import { REPO_ROOT } from '../../../test/support/index.js';
import { inProcessIngest } from '../src/ingest-jobs.js';
import { openPlatform, settingsFromEnv, type Platform } from '../src/platform.js';

// The tiny atlas end to end: generated, ingested through POST /v1/ingest by the real ingest service with the fixture
// ONNX model, searched over HTTP and through the CLI, then listed and removed with `cytoclip atlas`.
const dataDir = mkdtempSync(join(tmpdir(), 'cytoclip-cli-e2e-'));
let platform: Platform;
const key = { authorization: 'Bearer e2e-key', 'content-type': 'application/json' };

async function captured(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  try {
    return { code: await main(argv), out };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(async () => {
  process.env.DATA_DIR = dataDir;
  process.env.CYTOCLIP_MODELS = join(REPO_ROOT, 'services/model/test/fixture-model');
  await generateAtlas({ preset: 'tiny', seed: 3, out: join(dataDir, 'atlases', 'tiny'), planes: ['coronal'] });
  const settings = settingsFromEnv();
  platform = await openPlatform(settings, {
    config: { apiKey: 'e2e-key' },
    ingest: (p) => inProcessIngest(p, settings),
  });
}, 300_000);

afterAll(async () => {
  delete process.env.DATA_DIR;
  delete process.env.CYTOCLIP_MODELS;
});

describe('tiny atlas through the API and the CLI', () => {
  it('ingests through POST /v1/ingest and searches the result', async () => {
    const app = platform.api.app;
    const started = await app.request('/v1/ingest', {
      method: 'POST',
      headers: key,
      body: JSON.stringify({ atlas: 'tiny' }),
    });
    expect(started.status).toBe(202);
    const job = (await started.json()) as IngestJobAnswer;
    let state = '';
    let runId = '';
    for (let i = 0; i < 600 && !['done', 'failed'].includes(state); i++) {
      await new Promise((r) => setTimeout(r, 500));
      ({ state, runId = '' } = (await (
        await app.request(`/v1/ingest/${job.id}`, { headers: key })
      ).json()) as IngestJobAnswer);
    }
    expect(state).toBe('done');
    // The catalog's run is reported too (what `cytoclip ingest` workers do is visible to the API).
    const run = (await (await app.request(`/v1/ingest/${runId}`, { headers: key })).json()) as IngestJobAnswer;
    expect(run.state).toBe('done');
    expect(run.progress!.done).toBe(run.progress!.total);
    expect((await app.request(`/v1/ingest/${crypto.randomUUID()}`, { headers: key })).status).toBe(404);

    const search = await app.request('/v1/search', {
      method: 'POST',
      headers: key,
      body: JSON.stringify({ query: { text: 'cortical plate' }, limit: 5 }),
    });
    const body = (await search.json()) as SearchResponse;
    expect(body.total).toBeGreaterThan(100);
    expect(body.results).toHaveLength(5);
    expect(body.results.every((r) => r.plane === 'coronal')).toBe(true);
    const self = await app.request('/v1/search', {
      method: 'POST',
      headers: key,
      body: JSON.stringify({ query: { tileId: body.results[3]!.id }, limit: 1 }),
    });
    const similar = ((await self.json()) as SearchResponse).results;
    // "Similar to" leaves the query tile itself out: the best answer is another tile.
    expect(similar.some((r) => r.id === body.results[3]!.id)).toBe(false);
    const tile = await app.request(`/v1/tiles/${body.results[3]!.id}/image`);
    expect(tile.status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
  }, 300_000);

  it('searches through `cytoclip search --api` and `similar --api`', async () => {
    const server = await serve(platform.api.app, { port: 0, host: '127.0.0.1' });
    try {
      const search = await captured([
        'search',
        'cortical',
        'plate',
        '--api',
        server.url,
        '--week',
        '10-20',
        '--limit',
        '4',
        '--json',
      ]);
      expect(search.code).toBe(0);
      const answer = JSON.parse(search.out) as SearchResponse;
      expect(answer.results).toHaveLength(4);
      expect(answer.results.every((r) => r.gestationalWeek === 15)).toBe(true);
      const similar = await captured(['similar', answer.results[0]!.id, '--api', server.url, '--limit', '2']);
      expect(similar.code).toBe(0);
      expect(similar.out).not.toContain(answer.results[0]!.id); // the query tile itself is left out
    } finally {
      await server.close();
      await platform.close();
    }
  });

  it('lists models and atlases and removes an atlas with its vectors', async () => {
    const models = JSON.parse((await captured(['models', 'list', '--json'])).out) as {
      models: { id: string; index: { status: string } | null }[];
    };
    expect(models.models[0]).toMatchObject({ id: 'cytoclip-tiny-random@1', index: { status: 'complete' } });
    const listed = JSON.parse((await captured(['atlas', 'list', '--json'])).out) as {
      atlases: { name: string; tiles: number }[];
    };
    expect(listed.atlases.map((a) => a.name)).toEqual(['tiny-fetal-nissl']);
    const copies = join(dataDir, 'sections', 'tiny-fetal-nissl');
    expect(existsSync(copies)).toBe(true);
    const removed = await captured(['atlas', 'rm', 'tiny-fetal-nissl', '--json']);
    expect(removed.code).toBe(0);
    expect(existsSync(copies)).toBe(false); // a re-ingest can never be served the old pixels
    expect((JSON.parse(removed.out) as { vectors: number }).vectors).toBe(listed.atlases[0]!.tiles);
    expect((JSON.parse((await captured(['atlas', 'list', '--json'])).out) as { atlases: unknown[] }).atlases).toEqual(
      [],
    );
    expect(await main(['atlas', 'rm', 'tiny-fetal-nissl'])).toBe(2);
  });
});
