import type { Stats } from 'node:fs';
import { lstat, mkdtemp, realpath, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type SectionBand, type TileInput } from '@cytoclip/catalog';
import { ingestAtlas, type IngestProgress } from '@cytoclip/ingest';
import type { CytoclipModel } from '@cytoclip/model';
import { openVectorStore } from '@cytoclip/vectors';
import { FileHashes, hashFile } from '../src/hashes.js';
import { BIG_GRID, BIG_SECTION, bigSectionAtlas } from './big-section.js';
import { openModels } from './helpers.js';
import { reportOf, startWorker } from './processes.js';

const ATLAS = 'big-section';
const TILE = 'cytoclip-tiny-random_1';
const BAND_TILES = 200;

interface Stored {
  tiles: TileInput[];
  vectors: Map<string, number[]>;
}

/** The section's tile rows and their vectors, in id order. */
async function stored(dataDir: string): Promise<Stored> {
  const catalog = await openCatalog({ dataDir });
  const vectors = await openVectorStore({ dataDir });
  try {
    const tiles = (await catalog.listTiles(ATLAS, BIG_SECTION)).sort((a, b) => a.id.localeCompare(b.id));
    const points = await vectors.get(
      TILE,
      tiles.map((t) => t.id),
      true,
    );
    expect(await catalog.countOutbox()).toBe(0);
    return { tiles, vectors: new Map(points.map((p) => [p.id, [...p.vector!]])) };
  } finally {
    await vectors.close();
    await catalog.close();
  }
}

// A DHARANI section is 64,000² px, ~81,000 tiles: ingest cuts, embeds and commits it in bands of tile rows, so its
// memory is one band's, a kill loses at most one band, and the source TIFF is read where it lies.
describe('a big section, streamed in bands', () => {
  let atlasDir: string;
  let models: CytoclipModel[];
  let reference: Stored;
  const dirs: string[] = [];
  const dataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cytoclip-bands-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    atlasDir = await bigSectionAtlas();
    models = await openModels();
  });
  afterAll(async () => {
    await Promise.all(models?.map((m) => m.close()) ?? []);
    for (const dir of [...dirs, atlasDir]) await rm(dir, { recursive: true, force: true });
  });

  it('commits band by band (each at most the band size), reports progress within the section, reads the TIFF in place', async () => {
    const dir = await dataDir();
    const catalog = await openCatalog({ dataDir: dir });
    const vectors = await openVectorStore({ dataDir: dir });
    // The real catalog, watched: what each band's transaction carried is what the section held at once.
    const bands: SectionBand[] = [];
    const commitBand = catalog.commitBand.bind(catalog);
    catalog.commitBand = (jobId, owner, band, leaseMs) => {
      bands.push({ ...band, tiles: [...band.tiles], points: [] });
      expect(band.points.length).toBe(band.tiles.length);
      return commitBand(jobId, owner, band, leaseMs);
    };
    const events: IngestProgress[] = [];
    try {
      const report = await ingestAtlas({
        atlas: atlasDir,
        catalog,
        vectors,
        models,
        dataDir: dir,
        tileGrid: BIG_GRID,
        bandTiles: BAND_TILES,
        inPlaceMinBytes: 0,
        atlasRoots: [atlasDir],
        onProgress: (e) => events.push(e),
      });
      expect(report.status).toBe('complete');
      const tiles = await catalog.countTiles({ atlas: ATLAS, section: BIG_SECTION });
      expect(tiles).toBeGreaterThan(1000);

      // Memory bound: every band holds at most BAND_TILES tiles (whole rows; a row here is at most 47), committed in
      // order, each tile once; the last band commits with the section's completion (so a one-band section is one
      // transaction, as before bands).
      const total = bands[0]!.bands;
      expect(total).toBeGreaterThanOrEqual(Math.ceil(tiles / BAND_TILES));
      expect(total).toBeLessThanOrEqual(Math.ceil(tiles / (BAND_TILES - 47)));
      expect(bands.length).toBe(total - 1);
      expect(bands.every((b) => b.tiles.length > 0 && b.tiles.length <= BAND_TILES)).toBe(true);
      expect(bands.map((b) => b.index)).toEqual(bands.map((_, i) => i));
      expect(bands.every((b) => b.bands === total && b.tilesPlanned === tiles)).toBe(true);
      const banded = new Set(bands.flatMap((b) => b.tiles.map((t) => t.id))).size;
      expect(banded).toBe(bands.reduce((n, b) => n + b.tiles.length, 0));
      expect(tiles - banded).toBeGreaterThan(0);
      expect(tiles - banded).toBeLessThanOrEqual(BAND_TILES);

      // Progress within the section: tiles done of those planned, rising to all of them.
      const within = events.filter((e) => e.state === 'tiles').map((e) => e.sectionTiles!);
      expect(within.length).toBeGreaterThan(total);
      expect(within.every((w, i) => w.planned === tiles && (i === 0 || w.done > within[i - 1]!.done))).toBe(true);
      expect(within.at(-1)).toEqual({ done: tiles, planned: tiles });
      expect(report.progress).toMatchObject({ tiles, tilesPlanned: tiles, jobs: { done: 1 } });

      // Read in place: DATA_DIR holds a link to the source, not a copy of it.
      const row = (await catalog.getSection(BIG_SECTION, ATLAS))!;
      const link = join(dir, row.imagePath);
      expect((await lstat(link)).isSymbolicLink()).toBe(true);
      expect(await realpath(link)).toBe(await realpath(join(atlasDir, 'sections', `${BIG_SECTION}.tif`)));
      expect(await vectors.count(TILE)).toBe(tiles);
    } finally {
      await vectors.close();
      await catalog.close();
    }
    reference = await stored(dir);
  }, 240_000);

  it('resumes a section killed mid-way at its first band not committed, ending exactly as an uninterrupted run', async () => {
    expect(reference).toBeDefined();
    const dir = await dataDir();
    const env = {
      GRID: '4:64',
      BAND_TILES: String(BAND_TILES),
      IN_PLACE_MIN_BYTES: '0',
      LEASE_MS: '2000',
      CYTOCLIP_ATLAS_ROOTS: atlasDir,
    };
    let seen = 0;
    const killed = startWorker(
      [atlasDir, dir],
      (line, run) => {
        const event = line.event as IngestProgress | undefined;
        // Past two bands' worth of tiles: at least two bands committed, the third being embedded.
        if (event?.sectionTiles && event.sectionTiles.done >= 2 * BAND_TILES + 32 && seen++ === 0)
          run.child.kill('SIGKILL');
      },
      env,
    );
    await killed.exit;
    expect(killed.child.signalCode).toBe('SIGKILL');

    const resumed = startWorker([atlasDir, dir], undefined, env);
    expect(await resumed.exit).toBe(0);
    const report = reportOf(resumed);
    expect(report.status).toBe('complete');
    // It went on from where the killed worker's last band committed, not from the start of the section.
    const first = resumed.lines.map((l) => l.event as IngestProgress | undefined).find((e) => e?.sectionTiles);
    // (Two bands hold at least 2 × (BAND_TILES - 47) tiles: a band ends before a whole row would overflow it.)
    const twoBands = 2 * (BAND_TILES - 47);
    expect(first!.sectionTiles!.done).toBeGreaterThan(twoBands);
    expect(report.processed.tiles).toBeLessThanOrEqual(reference.tiles.length - twoBands);
    expect(report.processed.tiles).toBeGreaterThan(0);

    const after = await stored(dir);
    expect(after.tiles).toEqual(reference.tiles);
    expect([...after.vectors.keys()]).toEqual([...reference.vectors.keys()]);
    for (const [id, vector] of reference.vectors) expect(after.vectors.get(id)).toEqual(vector);
  }, 300_000);
});

describe('where a section is read from', () => {
  it('copies a tiled pyramidal TIFF that lies outside every atlas root (the viewer follows links only into them)', async () => {
    const atlasDir = await bigSectionAtlas();
    const dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-bands-copy-'));
    const catalog = await openCatalog({ dataDir });
    const models = await openModels();
    const stop = new AbortController();
    let stored: Stats | null = null;
    try {
      // Only the first band is needed: the file is in the store by then; the ingest stops there.
      const commitBand = catalog.commitBand.bind(catalog);
      catalog.commitBand = async (jobId, owner, band, leaseMs) => {
        const committed = await commitBand(jobId, owner, band, leaseMs);
        stored = await lstat(join(dataDir, band.section.imagePath));
        stop.abort();
        return committed;
      };
      const report = await ingestAtlas({
        atlas: atlasDir,
        catalog,
        models,
        dataDir,
        tileGrid: BIG_GRID,
        bandTiles: BAND_TILES,
        inPlaceMinBytes: 0,
        atlasRoots: [join(dataDir, 'atlases')],
        signal: stop.signal,
      });
      expect(report.interrupted).toBe(true);
      expect(stored!.isSymbolicLink()).toBe(false);
      expect(stored!.isFile()).toBe(true);
    } finally {
      await Promise.all(models.map((m) => m.close()));
      await catalog.close();
      await rm(dataDir, { recursive: true, force: true });
      await rm(atlasDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('content hashes of big sources', () => {
  it('hashes a file past the threshold by samples: size and sampled bytes count, the modification time does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cytoclip-hash-'));
    try {
      const file = join(dir, 'section.tif');
      const bytes = Buffer.alloc(40 << 20, 7);
      await writeFile(file, bytes);
      const sampled = () => new FileHashes(join(dir, `cache-${Math.random()}.json`), 1 << 20).of(file);
      const first = await sampled();
      expect(first).not.toBe(await hashFile(file)); // not the whole-file SHA-256: 18 MiB of 40 were read
      expect(await new FileHashes(join(dir, 'small.json')).of(file)).toBe(await hashFile(file)); // under 1 GiB: whole

      await utimes(file, new Date(0), new Date(0)); // touched (copied without -p): same content, same hash
      expect(await sampled()).toBe(first);
      bytes[bytes.length - 10] = 8; // the last MiB is always read (where TIFF writers put the last IFDs)
      await writeFile(file, bytes);
      const changed = await sampled();
      expect(changed).not.toBe(first);
      await writeFile(file, Buffer.concat([bytes, Buffer.alloc(1)])); // a byte longer
      expect(await sampled()).not.toBe(changed);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
