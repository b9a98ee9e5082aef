import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '@cytoclip/catalog';
import { ingestAtlas, removeAtlas } from '@cytoclip/ingest';
import type { CytoclipModel } from '@cytoclip/model';
import { openVectorStore, type VectorStore } from '@cytoclip/vectors';
import { atlasCopy, openModels, TEST_GRID, tinyAtlas } from './helpers.js';

const ATLAS = 'tiny-fetal-nissl';
const TILE = 'cytoclip-tiny-random_1';
const REGION = 'cytoclip-tiny-random-region_1';

// A re-ingest must never serve what catalog and vectors (or the files) disagree on: changed metadata and images are
// redone, sections that left the manifest go, and another atlas under an existing name is refused unless replaced.
describe('re-ingesting an atlas whose files changed', () => {
  let dataDir: string;
  let atlasDir: string;
  let catalog: Catalog;
  let vectors: VectorStore;
  let models: CytoclipModel[];
  const ingest = (atlas: string, extra: { replace?: boolean } = {}) =>
    ingestAtlas({ catalog, vectors, models, dataDir, tileGrid: TEST_GRID, atlas, ...extra });
  const editManifest = async (dir: string, edit: (m: Manifest) => void) => {
    const manifest = JSON.parse(await readFile(join(dir, 'atlas.json'), 'utf8')) as Manifest;
    edit(manifest);
    await writeFile(join(dir, 'atlas.json'), JSON.stringify(manifest));
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-sources-'));
    atlasDir = await atlasCopy(await tinyAtlas());
    catalog = await openCatalog({ dataDir });
    vectors = await openVectorStore({ dataDir });
    models = await openModels();
    expect((await ingest(atlasDir)).processed.done).toBe(5);
  });
  afterAll(async () => {
    await Promise.all(models?.map((m) => m.close()) ?? []);
    await vectors?.close();
    await catalog?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(atlasDir, { recursive: true, force: true });
  });

  it("re-embeds a specimen's sections when its week changes: a week filter returns only tiles of that week", async () => {
    const week15 = await vectors.count(TILE, { gestationalWeek: { gte: 15, lte: 15 } });
    expect(week15).toBeGreaterThan(0);
    const tiles = await catalog.countTiles();
    await editManifest(atlasDir, (m) => (m.specimens.find((s) => s.id === 'T01')!.gestationalWeek = 16));

    const report = await ingest(atlasDir);
    expect(report.withdrawn.sort()).toEqual(['T01-cor-0050', 'T01-sag-0038']);
    expect(report.processed.done).toBe(2);
    expect(await catalog.countTiles()).toBe(tiles);
    expect(await vectors.count(TILE, { gestationalWeek: { gte: 15, lte: 15 } })).toBe(0);
    expect(await vectors.count(TILE, { gestationalWeek: { gte: 16, lte: 16 } })).toBe(week15);
    await expectAgreement();
  });

  it('re-cuts and re-embeds a section whose image changed, from a new copy; the old copy is deleted', async () => {
    const id = 'T02-cor-0045';
    const before = (await catalog.getSection(id))!;
    const [tile] = await catalog.listTiles(ATLAS, id);
    const [old] = await vectors.get(TILE, [tile!.id], true);
    const image = join(atlasDir, 'sections', `${id}.tif`);
    // Red becomes blue (the hue turned half-way round), as in the report that found the old pixels still served.
    await sharp(image)
      .modulate({ hue: 180 })
      .tiff({ tile: true, pyramid: true, tileWidth: 256, tileHeight: 256 })
      .toFile(`${image}.new`);
    await rename(`${image}.new`, image);

    const report = await ingest(atlasDir);
    expect(report.withdrawn).toEqual([id]);
    const after = (await catalog.getSection(id))!;
    expect(after.imagePath).not.toBe(before.imagePath);
    expect(existsSync(join(dataDir, before.imagePath))).toBe(false);
    const copied = await meanColour(join(dataDir, after.imagePath));
    const source = await meanColour(image);
    copied.forEach((c, i) => expect(Math.abs(c - source[i]!)).toBeLessThan(3));
    const [now] = await vectors.get(TILE, [tile!.id], true);
    if (now) expect(Array.from(now.vector!)).not.toEqual(Array.from(old!.vector!));
    await expectAgreement();
  });

  it('withdraws a section that left the manifest: its rows, points and copy go', async () => {
    const id = 'T03-sag-0040';
    const copy = (await catalog.getSection(id))!.imagePath;
    await editManifest(atlasDir, (m) => (m.sections = m.sections.filter((s) => s.id !== id)));
    const report = await ingest(atlasDir);
    expect(report.withdrawn).toEqual([id]);
    expect(report.processed.done).toBe(0);
    expect(await catalog.getSection(id)).toBeNull();
    expect(await vectors.count(TILE, { sections: [id] })).toBe(0);
    expect(await vectors.count(REGION, { sections: [id] })).toBe(0);
    expect(existsSync(join(dataDir, copy))).toBe(false);
    await expectAgreement();
  });

  it('refuses another atlas under an existing name from another folder, changing nothing, and replaces it when asked', async () => {
    const other = await atlasCopy(await tinyAtlas());
    const before = { tiles: await catalog.countTiles(), points: await vectors.count(TILE), files: await copies() };
    const error = await ingest(other).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'atlas_exists', status: 409 });
    expect((error as Error).message).toContain(atlasDir);
    expect((error as Error).message).toContain(other);
    expect((error as Error).message).toContain('--replace');
    expect({ tiles: await catalog.countTiles(), points: await vectors.count(TILE), files: await copies() }).toEqual(
      before,
    );
    expect((await catalog.getAtlas(ATLAS))!.root).toBe(atlasDir);

    const replaced = await ingest(other, { replace: true });
    expect(replaced).toMatchObject({ replaced: true, status: 'complete', processed: { done: 5 } });
    expect((await catalog.getAtlas(ATLAS))!.root).toBe(other);
    expect(await vectors.count(TILE, { gestationalWeek: { gte: 16, lte: 16 } })).toBe(0);
    expect((await copies()).length).toBe(5);
    await expectAgreement();

    // The same content from a moved folder is the same atlas: nothing to redo.
    const moved = await atlasCopy(other);
    const again = await ingest(moved);
    expect(again).toMatchObject({ withdrawn: [], replaced: false, processed: { done: 0 } });
    await rm(other, { recursive: true, force: true });
    await rm(moved, { recursive: true, force: true });
  });

  it('removes an atlas with its rows, its points in every collection and its section copies', async () => {
    expect(await removeAtlas({ catalog, vectors, dataDir, name: ATLAS })).toBe(true);
    expect(await catalog.getAtlas(ATLAS)).toBeNull();
    expect(await vectors.count(TILE, { atlases: [ATLAS] })).toBe(0);
    expect(await vectors.count(REGION, { atlases: [ATLAS] })).toBe(0);
    expect(existsSync(join(dataDir, 'sections', ATLAS))).toBe(false);
    expect(await catalog.readWithdrawals()).toEqual([]);
    expect(await removeAtlas({ catalog, vectors, dataDir, name: ATLAS })).toBe(false);
  });

  /** Every stored point has its catalog row, with the same week, section and region; and the other way round. */
  async function expectAgreement(): Promise<void> {
    expect(await catalog.countOutbox()).toBe(0);
    expect(await vectors.count(TILE)).toBe(await catalog.countTiles());
    expect(await vectors.count(REGION)).toBe(await catalog.countRegionImages());
    for (const section of await catalog.listSections(ATLAS)) {
      const ids = (await catalog.listTiles(ATLAS, section.id)).map((t) => t.id);
      const points = new Map((await vectors.get(TILE, ids)).map((p) => [p.id, p.payload]));
      for (const tile of await catalog.getTiles(ids)) {
        expect(points.get(tile.id)).toMatchObject({
          gestationalWeek: tile.gestationalWeek,
          section: tile.section,
          region: tile.region,
        });
      }
    }
  }

  async function copies(): Promise<string[]> {
    return (await readdir(join(dataDir, 'sections', ATLAS))).sort();
  }
});

interface Manifest {
  specimens: { id: string; gestationalWeek: number }[];
  sections: { id: string }[];
}

async function meanColour(path: string): Promise<number[]> {
  const { channels } = await sharp(path).stats();
  return channels.slice(0, 3).map((c) => c.mean);
}
