import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '@cytoclip/catalog';
import { drainOutbox } from '@cytoclip/ingest';
import { openVectorStore } from '@cytoclip/vectors';
import { createTestDatabase, needs, testDatabaseUrl, type TestDatabase } from '../../../test/support/index.js';
import { tinyAtlas } from './helpers.js';
import { reportOf, startWorker } from './processes.js';

const available = needs('PostgreSQL', testDatabaseUrl() ? null : 'TEST_DATABASE_URL not set');
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup) await step();
});

describe.skipIf(!available)('several workers on PostgreSQL', () => {
  it('three worker processes ingest one atlas exactly once, and one indexer drains it', async () => {
    const db: TestDatabase = await createTestDatabase('cytoclip_ingest');
    cleanup.push(() => db.drop());
    const dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-workers-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const atlasDir = await tinyAtlas();

    const workers = [1, 2, 3].map(() => startWorker([atlasDir, dataDir, db.url, '--no-index']));
    expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0, 0]);
    const reports = workers.map(reportOf);
    expect(reports.reduce((n, r) => n + r.processed.done, 0)).toBe(5);
    expect(reports.reduce((n, r) => n + r.processed.failed, 0)).toBe(0);

    const catalog = await openCatalog({ databaseUrl: db.url, dataDir });
    const vectors = await openVectorStore({ dataDir });
    try {
      const tiles = await catalog.countTiles();
      const regionImages = await catalog.countRegionImages();
      expect(reports.reduce((n, r) => n + r.processed.tiles, 0)).toBe(tiles);
      const pending = await catalog.readOutbox(1_000_000);
      expect(pending.length).toBe(tiles + regionImages);
      expect(new Set(pending.map((p) => `${p.collection}/${p.pointId}`)).size).toBe(pending.length);
      expect(await drainOutbox(catalog, vectors)).toBe(tiles + regionImages);
      expect(await vectors.count('cytoclip-tiny-random_1')).toBe(tiles);
      expect(await vectors.count('cytoclip-tiny-random-region_1')).toBe(regionImages);
      const runs = await catalog.listRuns();
      expect(runs.map((r) => r.status)).toEqual(['complete']);
    } finally {
      await vectors.close();
      await catalog.close();
    }
  }, 300_000);

  it("finishes a run right after a worker was killed: the dead worker's sections are taken over at once", async () => {
    const db: TestDatabase = await createTestDatabase('cytoclip_ingest');
    cleanup.push(() => db.drop());
    const dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-workers-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const atlasDir = await tinyAtlas();
    // Leases of a minute, as in production: waiting for them to lapse would take that long.
    const env = { LEASE_MS: '60000' };
    let done = 0;
    const killed = startWorker(
      [atlasDir, dataDir, db.url, '--no-index'],
      (line, run) => {
        const event = line.event as { state?: string } | undefined;
        if (event?.state === 'section-done') done++;
        if (done >= 1 && event?.state === 'tiles') run.child.kill('SIGKILL');
      },
      env,
    );
    await killed.exit;
    expect(killed.child.signalCode).toBe('SIGKILL');

    const started = Date.now();
    const next = startWorker([atlasDir, dataDir, db.url, '--no-index'], undefined, env);
    expect(await next.exit).toBe(0);
    expect(reportOf(next).status).toBe('complete');
    expect(Date.now() - started).toBeLessThan(45_000);
    const catalog = await openCatalog({ databaseUrl: db.url, dataDir });
    try {
      expect((await catalog.listRuns()).map((r) => r.status)).toEqual(['complete']);
      expect((await catalog.listSections('tiny-fetal-nissl')).length).toBe(5);
    } finally {
      await catalog.close();
    }
  }, 300_000);
});
