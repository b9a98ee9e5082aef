import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '@cytoclip/catalog';
import { openVectorStore } from '@cytoclip/vectors';
import { tinyAtlas } from './helpers.js';
import { reportOf, startWorker } from './processes.js';

const TILE = 'cytoclip-tiny-random_1';
const REGION = 'cytoclip-tiny-random-region_1';

describe('crash safety', () => {
  let dataDir: string;
  let atlasDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-crash-'));
    atlasDir = await tinyAtlas();
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('resumes an ingest killed with SIGKILL mid-section and ends with every tile exactly once in both stores', async () => {
    let sectionsDone = 0;
    const killed = startWorker([atlasDir, dataDir], (line, run) => {
      const event = line.event as { state?: string } | undefined;
      if (event?.state === 'section-done') sectionsDone++;
      // Kill while a later section is being embedded: at least one section committed, another half-done (two
      // sections are in flight at once, so the second may already be done too).
      if (sectionsDone >= 1 && event?.state === 'tiles') run.child.kill('SIGKILL');
    });
    await killed.exit;
    expect(killed.child.signalCode).toBe('SIGKILL');
    expect(sectionsDone).toBeGreaterThanOrEqual(1);
    expect(sectionsDone).toBeLessThan(5);

    const resumed = startWorker([atlasDir, dataDir]);
    expect(await resumed.exit).toBe(0);
    const report = reportOf(resumed);
    expect(report.status).toBe('complete');
    // A section may commit between the event that triggered the kill and the kill itself: at most the rest is redone.
    expect(report.processed.done).toBeGreaterThanOrEqual(1);
    expect(report.processed.done).toBeLessThanOrEqual(5 - sectionsDone);

    const catalog = await openCatalog({ dataDir });
    const vectors = await openVectorStore({ dataDir });
    try {
      const sections = await catalog.listSections('tiny-fetal-nissl');
      expect(sections.length).toBe(5);
      let tiles = 0;
      for (const s of sections) {
        const ids = (await catalog.listTiles('tiny-fetal-nissl', s.id)).map((t) => t.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect((await vectors.get(TILE, ids)).length).toBe(ids.length);
        tiles += ids.length;
      }
      expect(tiles).toBeGreaterThan(100);
      expect(await vectors.count(TILE)).toBe(tiles);
      expect(await vectors.count(REGION)).toBe(await catalog.countRegionImages());
      expect(await catalog.countOutbox()).toBe(0);
    } finally {
      await vectors.close();
      await catalog.close();
    }
  }, 300_000);
});
