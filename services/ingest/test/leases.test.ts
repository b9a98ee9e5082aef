import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '@cytoclip/catalog';
import { ingestAtlas, readAtlas } from '@cytoclip/ingest';
import { CytoclipModel } from '@cytoclip/model';
import { createTestDatabase, needs, testDatabaseUrl, type TestDatabase } from '../../../test/support/index.js';
import { FIXTURE_MODEL, TEST_GRID, tinyAtlas } from './helpers.js';

const available = needs('PostgreSQL', testDatabaseUrl() ? null : 'TEST_DATABASE_URL not set');
const MODEL = 'cytoclip-tiny-random@1';

// On PostgreSQL several processes share a run, so a lease held by a process that died is only known by its owner's
// name and expiry. The living process must take such sections over (no run left "running" with sections missing),
// and must keep its own leases while it works, however long a section takes.
describe.skipIf(!available)('section leases on PostgreSQL', () => {
  let db: TestDatabase;
  let dataDir: string;
  let catalog: Catalog;
  let model: CytoclipModel;
  beforeAll(async () => {
    db = await createTestDatabase('cytoclip_leases');
    dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-leases-'));
    catalog = await openCatalog({ databaseUrl: db.url, dataDir });
    model = await CytoclipModel.open(FIXTURE_MODEL, { intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await model?.close();
    await catalog?.close();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("takes over a dead owner's sections: at once from a dead process of this host, on expiry from elsewhere", async () => {
    const atlasDir = await tinyAtlas();
    const { manifest, root } = await readAtlas(atlasDir);
    await catalog.registerModel({ name: 'cytoclip-tiny-random', version: '1', variant: 'tile', dim: 32 });
    await catalog.upsertAtlas({ name: manifest.name, manifest, root });
    await catalog.upsertSpecimens(manifest.name, manifest.specimens);
    const run = await catalog.startRun(
      manifest.name,
      [MODEL],
      manifest.sections.map((s) => s.id),
    );
    // A crash right before the restart: one section held by a process of this host that is gone (for a minute
    // more), one by a worker on another machine whose lease runs out in two seconds.
    const deadPid = await exitedPid();
    const local = await catalog.leaseJob(run.id, `${hostname()}/${deadPid}/0a1b2c`, 60_000);
    const remote = await catalog.leaseJob(run.id, 'other-machine/4242/3d4e5f', 2_000);

    const started = Date.now();
    const report = await ingestAtlas({ atlas: atlasDir, catalog, models: [model], dataDir, tileGrid: TEST_GRID });
    expect(report).toMatchObject({ runId: run.id, status: 'complete', processed: { done: 5, failed: 0 } });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(report.progress.jobs).toMatchObject({ total: 5, done: 5, leased: 0 });
    const attempts = await jobAttempts(run.id);
    expect(attempts.get(local!.section)).toBe(2);
    expect(attempts.get(remote!.section)).toBe(2);
  }, 120_000);

  it('keeps renewing a lease while its section is worked on: two workers, leases shorter than a section', async () => {
    const atlasDir = await tinyAtlas();
    const v2 = await CytoclipModel.open(FIXTURE_MODEL, { intraOpNumThreads: 1 });
    try {
      // The model's own grid (64 px at 1 µm/px): four times the tiles of the test grid, about a second a section,
      // against leases of 300 ms renewed every 100 ms. A lapse would let the other worker take a section over.
      const work = (owner: string) =>
        ingestAtlas({
          atlas: atlasDir,
          catalog,
          models: [v2],
          dataDir,
          owner,
          leaseMs: 300,
          sectionsInFlight: 1,
          tileGrid: { micronsPerPixel: 1, size: 64 },
        });
      await catalog.deleteAtlas('tiny-fetal-nissl');
      const reports = await Promise.all([work('host/1/a'), work('host/2/b')]);
      expect(reports[0]!.runId).toBe(reports[1]!.runId);
      expect(reports.reduce((n, r) => n + r.processed.done, 0)).toBe(5);
      expect(reports.every((r) => r.processed.failed === 0)).toBe(true);
      const slowest = Math.max(...reports.map((r) => r.seconds / Math.max(1, r.processed.done)));
      expect(slowest).toBeGreaterThan(0.3);
      expect([...(await jobAttempts(reports[0]!.runId)).values()]).toEqual([1, 1, 1, 1, 1]);
    } finally {
      await v2.close();
    }
  }, 180_000);

  async function jobAttempts(runId: string): Promise<Map<string, number>> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ section: string; attempts: number }>(
        'SELECT section, attempts FROM ingest_jobs WHERE run_id = $1 ORDER BY id',
        [runId],
      );
      return new Map(rows.map((r) => [r.section, r.attempts]));
    } finally {
      await client.end();
    }
  }
});

/** The pid of a process that has exited. */
function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  return new Promise((resolve) => child.once('exit', () => resolve(child.pid!)));
}
