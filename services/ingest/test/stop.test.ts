import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '@cytoclip/catalog';
import { ingestAtlas } from '@cytoclip/ingest';
import type { CytoclipModel } from '@cytoclip/model';
import { openVectorStore, type VectorStore } from '@cytoclip/vectors';
import { atlasCopy, openModels, TEST_GRID, tinyAtlas } from './helpers.js';

const TILE = 'cytoclip-tiny-random_1';
const REGION = 'cytoclip-tiny-random-region_1';

// SIGTERM in the CLI aborts this signal: the ingest must wind down by itself, hand back what it was working on
// (uncounted: the section did not kill its worker) and leave nothing half-done behind.
describe('stopping an ingest gracefully', () => {
  let dataDir: string;
  let atlasDir: string;
  let catalog: Catalog;
  let vectors: VectorStore;
  let models: CytoclipModel[];
  const base = () => ({ catalog, vectors, models, dataDir, tileGrid: TEST_GRID });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-stop-'));
    atlasDir = await atlasCopy(await tinyAtlas());
    catalog = await openCatalog({ dataDir });
    vectors = await openVectorStore({ dataDir });
    models = await openModels();
  });
  afterAll(async () => {
    await Promise.all(models?.map((m) => m.close()) ?? []);
    await vectors?.close();
    await catalog?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(atlasDir, { recursive: true, force: true });
  });

  it('stops after the current sections, hands them back uncounted, and a rerun completes the atlas exactly', async () => {
    const stop = new AbortController();
    let stoppedAt = 0;
    const report = await ingestAtlas({
      ...base(),
      atlas: atlasDir,
      signal: stop.signal,
      onProgress: (e) => {
        if (e.state === 'section-done' && !stop.signal.aborted) {
          stoppedAt = performance.now();
          stop.abort();
        }
      },
    });
    expect(performance.now() - stoppedAt).toBeLessThan(5_000);
    expect(report).toMatchObject({ status: 'running', interrupted: true });
    const done = report.processed.done;
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(5);
    expect(report.progress.jobs).toMatchObject({ leased: 0, failed: 0, done, pending: 5 - done });
    // What was committed is searchable; nothing of a handed-back section is anywhere.
    const sections = await catalog.listSections('tiny-fetal-nissl');
    expect(sections.length).toBe(done);
    expect(await vectors.count(TILE)).toBe(await catalog.countTiles());
    expect(await catalog.countOutbox()).toBe(0);
    expect(await copies()).toEqual(sections.map((s) => s.imagePath.split('/').at(-1)).sort());
    // A handed-back section's attempt was given back: the next lease is its first.
    const next = await catalog.leaseJob(report.runId, 'probe', 60_000);
    expect(next!.attempts).toBe(1);
    expect(await catalog.releaseJob(next!.id, 'probe')).toBe(true);

    const resumed = await ingestAtlas({ ...base(), atlas: atlasDir });
    expect(resumed).toMatchObject({ runId: report.runId, status: 'complete', interrupted: false });
    expect(resumed.processed.done).toBe(5 - done);

    // The same atlas under another name, in one go: what the interrupted one must add up to.
    const reference = await referenceCopy();
    const whole = await ingestAtlas({ ...base(), atlas: reference });
    expect(whole.processed.done).toBe(5);
    const tiles = await catalog.countTiles({ atlas: 'tiny-fetal-nissl' });
    expect(tiles).toBe(await catalog.countTiles({ atlas: 'tiny-reference' }));
    expect(await catalog.countRegionImages({ atlas: 'tiny-fetal-nissl' })).toBe(
      await catalog.countRegionImages({ atlas: 'tiny-reference' }),
    );
    expect(await vectors.count(TILE, { atlases: ['tiny-fetal-nissl'] })).toBe(tiles);
    expect(await vectors.count(REGION, { atlases: ['tiny-fetal-nissl'] })).toBe(
      await catalog.countRegionImages({ atlas: 'tiny-fetal-nissl' }),
    );
    expect((await copies()).length).toBe(5);
    await rm(reference, { recursive: true, force: true });
  });

  it('returns at once when stopped before it starts, writing no section', async () => {
    const stop = new AbortController();
    stop.abort();
    const copy = await referenceCopy('tiny-never');
    const report = await ingestAtlas({ ...base(), atlas: copy, signal: stop.signal });
    expect(report).toMatchObject({ interrupted: true, processed: { done: 0, failed: 0 } });
    expect(report.progress.jobs).toMatchObject({ pending: 5, leased: 0 });
    expect(await catalog.countTiles({ atlas: 'tiny-never' })).toBe(0);
    await rm(copy, { recursive: true, force: true });
  });

  async function copies(atlas = 'tiny-fetal-nissl'): Promise<string[]> {
    return (await readdir(join(dataDir, 'sections', atlas))).sort();
  }

  async function referenceCopy(name = 'tiny-reference'): Promise<string> {
    const dir = await atlasCopy(atlasDir);
    const manifest = JSON.parse(await readFile(join(dir, 'atlas.json'), 'utf8'));
    await writeFile(join(dir, 'atlas.json'), JSON.stringify({ ...manifest, name }));
    return dir;
  }
});
