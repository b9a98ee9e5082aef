import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingestAtlas } from '@cytoclip/ingest';
import { DATA_VERSION, openVectorStore } from '@cytoclip/vectors';
import { REPO_ROOT, tinyAtlas } from '../../../test/support/index.js';
import { openPlatform, settingsFromEnv } from '../src/platform.js';
import { run } from './run.js';

// Stored data versioned: the tiny atlas ingested, then turned into data from before the stamp (manifest without
// `dataVersion`, points without lexical vectors, as data ingested before lexical vectors were); start names it and
// still answers (dense-only); `cytoclip reindex` brings it to the current format and stamps it.
let dataDir: string;
const env = () => ({
  DATA_DIR: dataDir,
  CYTOCLIP_MODELS: join(REPO_ROOT, 'services/model/test/fixture-model'),
  CYTOCLIP_IMAGE_WORKERS: '1',
});

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-cli-format-'));
  const platform = await openPlatform(settingsFromEnv(env()));
  try {
    expect(platform.staleData).toBeNull();
    const { catalog, vectors, models } = platform;
    const report = await ingestAtlas({ atlas: await tinyAtlas(), catalog, vectors, models, dataDir });
    expect(report.status).toBe('complete');
  } finally {
    await platform.close();
  }
}, 600_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Rewrites every point without its lexical vector and removes the manifests' stamp: a store from before both. */
async function makeOld(): Promise<string[]> {
  const vectors = await openVectorStore({ dataDir });
  const names = (await vectors.listCollections()).map((c) => c.name);
  for (const name of names) {
    const probe = new Float32Array((await vectors.listCollections()).find((c) => c.name === name)!.dim);
    probe[0] = 1;
    const ids = (await vectors.scoreAll(name, probe, {})).map((h) => h.id);
    const points = await vectors.get(name, ids, true);
    await vectors.upsert(
      name,
      points.map((p) => ({ id: p.id, vector: p.vector!, payload: p.payload })),
    );
    expect(await vectors.lexicalCoverage(name)).toMatchObject({ lexical: 0 });
  }
  await vectors.close();
  for (const name of await readdir(join(dataDir, 'vectors'))) {
    if (name === 'LOCK') continue;
    const path = join(dataDir, 'vectors', name, 'manifest.json');
    const { dataVersion, ...manifest } = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    expect(dataVersion).toBe(DATA_VERSION); // stamped when ingest created it
    await writeFile(path, JSON.stringify(manifest));
  }
  return names;
}

describe('stored data versioned', () => {
  it('names data from before the stamp at start, answers dense-only, and reindex brings it to the current format', async () => {
    const names = await makeOld();
    expect(names.length).toBeGreaterThan(0);

    const platform = await openPlatform(settingsFromEnv(env()), { config: { logLevel: 'silent' } });
    const warn = vi.spyOn(platform.api.logger, 'warn');
    try {
      expect(platform.staleData).toMatch(/before format 2/);
      for (const name of names) expect(platform.staleData).toContain(`${name} (format 1)`);
      expect(platform.staleData).toContain('cytoclip reindex');
      const res = await platform.api.app.request('/v1/search', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: { text: 'subplate' }, limit: 5, cutoff: 'none' }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { results: unknown[] };
      expect(body.results.length).toBeGreaterThan(0);
      expect(JSON.stringify(body)).toContain('lexical_index_missing');
    } finally {
      warn.mockRestore();
      await platform.close();
    }

    for (const [key, value] of Object.entries(env())) vi.stubEnv(key, value);
    const reindexed = await run(['reindex', '--json']);
    expect(reindexed.code, reindexed.err).toBe(0);
    const { collections } = JSON.parse(reindexed.out) as {
      collections: { collection: string; dataVersion: { from: number; to: number }; updated: number }[];
    };
    expect(collections.map((c) => c.dataVersion)).toEqual(names.map(() => ({ from: 1, to: DATA_VERSION })));
    expect(collections.every((c) => c.updated > 0)).toBe(true);

    const again = await openPlatform(settingsFromEnv(env()), { config: { logLevel: 'silent' } });
    try {
      expect(again.staleData).toBeNull();
      for (const name of names) expect(await again.vectors.dataVersion(name)).toBe(DATA_VERSION);
    } finally {
      await again.close();
    }
    const second = await run(['reindex', '--json']);
    const rerun = JSON.parse(second.out) as { collections: { updated: number; dataVersion: { from: number } }[] };
    expect(rerun.collections.every((c) => c.updated === 0 && c.dataVersion.from === DATA_VERSION)).toBe(true);
  }, 300_000);
});
