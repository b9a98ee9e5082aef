import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tileId } from '@cytoclip/domain';
import {
  prepareModelInput,
  cropRegionImages,
  cutTiles,
  openSection,
  parseAnnotations,
  planTiles,
  tileGeometry,
  type SectionImage,
  type TilePlan,
} from '@cytoclip/slides';
import { blockColour, blocks, HAND, near, pixel, sharpOf, TEST_ONTOLOGY } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'slides-tiles-'));
let hand: SectionImage;
const annotations = parseAnnotations(HAND.geojson, TEST_ONTOLOGY, 'hand.geojson');

beforeAll(async () => {
  await sharpOf(HAND.image()).tiff({ tile: true, pyramid: true, compression: 'deflate' }).toFile(join(dir, 'hand.tif'));
  hand = await openSection(join(dir, 'hand.tif'), { cacheDir: join(dir, 'cache') });
});

describe('tile grid', () => {
  it('scales the level-0 box with the section and model µm/px', () => {
    expect(tileGeometry(1000, 500, 1, { micronsPerPixel: 1, size: 224 })).toEqual({
      step: 224,
      box: 224,
      cols: 5,
      rows: 3,
    });
    expect(tileGeometry(1000, 500, 0.5, { micronsPerPixel: 1, size: 224 })).toEqual({
      step: 448,
      box: 448,
      cols: 3,
      rows: 2,
    });
    expect(tileGeometry(1000, 500, 2, { micronsPerPixel: 1, size: 224 })).toEqual({
      step: 112,
      box: 112,
      cols: 9,
      rows: 5,
    });
    const odd = tileGeometry(3000, 1000, 0.3, { micronsPerPixel: 1, size: 224 });
    expect(odd.step).toBeCloseTo(746.667, 3);
    expect(odd.box).toBe(747);
    expect([odd.cols, odd.rows]).toEqual([5, 2]);
    expect(() => tileGeometry(10, 10, 0, { micronsPerPixel: 1, size: 224 })).toThrow(/bad tile grid/);
  });

  it('anchors tiles at the level-0 origin with ids from the domain', async () => {
    const grid = { micronsPerPixel: 1, size: 224 };
    const plan = await planTiles(hand, annotations, { atlas: 'a', section: 's', micronsPerPixel: 0.3, grid });
    for (const t of plan.tiles) {
      expect(t.x).toBe(Math.round(t.col * plan.geometry.step));
      expect(t.y).toBe(Math.round(t.row * plan.geometry.step));
      expect(t.id).toBe(tileId('a', 's', grid, t.x, t.y));
      expect(t.key).toBe(`a/s/1/224/${t.x}/${t.y}`);
    }
    expect(plan.tiles.map((t) => t.x)).toContain(747);
  });
});

describe('planTiles: tissue and dominant region against hand-drawn polygons', () => {
  // Section at 2 µm/px, default grid 224 px at 1 µm/px: tiles of 112 level-0 px.
  const find = (tiles: TilePlan[], x: number, y: number) => tiles.find((t) => t.x === x && t.y === y);

  it('labels whole tiles, straddling tiles and tiles in a hole filled by another region', async () => {
    const plan = await planTiles(hand, annotations, { atlas: 'hand', section: 'S01-cor-0001', micronsPerPixel: 2 });
    expect(plan.geometry.box).toBe(112);
    const inside = find(plan.tiles, 224, 224)!;
    expect(inside).toMatchObject({ region: 'CP', regionShare: 1, tissueFraction: 1 });
    // x 560..672 straddles CP | SP at 600: SP holds 72/112 of its tissue.
    const straddle = find(plan.tiles, 560, 224)!;
    expect(straddle.region).toBe('SP');
    expect(straddle.regionShare).toBeCloseTo(72 / 112, 1);
    // x 784..896, y 336..448 sits in SP's hole that VZ fills, but for 16 px of SP on its left.
    const hole = find(plan.tiles, 784, 336)!;
    expect(hole.region).toBe('VZ');
    expect(hole.regionShare).toBeCloseTo(96 / 112, 1);
  });

  it('leaves out glass and records partial tissue at the tissue edge', async () => {
    const plan = await planTiles(hand, annotations, { atlas: 'hand', section: 's', micronsPerPixel: 2 });
    expect(find(plan.tiles, 0, 0)).toBeUndefined(); // 12 px of tissue in 112: below 0.25
    expect(find(plan.tiles, 1120, 224)).toBeUndefined(); // beyond the tissue
    const edge = find(plan.tiles, 560, 672)!; // y 672..784: tissue ends at 700
    // 28/112 = 0.25, give or take one coarse pixel row (1/16) where the thumbnail mixes tissue and glass.
    expect(Math.abs(edge.tissueFraction - 28 / 112)).toBeLessThanOrEqual(1 / 16 + 1e-9);
    // Every kept tile's region agrees with the polygons at its centre where its share is a clear majority.
    for (const t of plan.tiles.filter((tile) => tile.regionShare > 0.75)) {
      const c = HAND.colour(t.x + t.box / 2, t.y + t.box / 2);
      if (c[0] === 250) continue; // centre on glass
      const expected = c[0] === 120 ? 'CP' : c[0] === 60 ? 'VZ' : 'SP';
      expect(t.region, `${t.x},${t.y}`).toBe(expected);
    }
    // 9 × 5 tissue tiles fully inside plus partial ones: the plan is neither empty nor everything.
    expect(plan.tiles.length).toBeGreaterThan(40);
    expect(plan.tiles.length).toBeLessThan(plan.cells);
  });

  it('keeps tissue tiles with no annotation as unlabelled', async () => {
    const plan = await planTiles(hand, null, { atlas: 'hand', section: 's', micronsPerPixel: 2 });
    expect(plan.tiles.length).toBeGreaterThan(40);
    expect(plan.tiles.every((t) => t.region === null && t.regionShare === 0)).toBe(true);
  });
});

describe('cutTiles', () => {
  let section: SectionImage;
  beforeAll(async () => {
    await sharpOf(blocks(1024, 768))
      .tiff({ tile: true, pyramid: true, compression: 'deflate' })
      .toFile(join(dir, 'blocks.tif'));
    section = await openSection(join(dir, 'blocks.tif'), { cacheDir: join(dir, 'cache') });
  });

  const plansFor = async (mpp: number, size: number) =>
    (
      await planTiles(section, null, {
        atlas: 'b',
        section: 'b',
        micronsPerPixel: mpp,
        grid: { micronsPerPixel: 1, size },
        minTissue: 0,
      })
    ).tiles;

  it('cuts tiles at the grid scale that equal direct reads, in batches, each tile exactly once', async () => {
    const tiles = await plansFor(1, 64);
    expect(tiles).toHaveLength(16 * 12);
    const seen = new Set<string>();
    let batches = 0;
    for await (const batch of cutTiles(section, tiles, { size: 64, batchSize: 50 })) {
      batches++;
      expect(batch.length).toBeLessThanOrEqual(50);
      for (const { tile, image } of batch) {
        seen.add(tile.id);
        expect([image.width, image.height]).toEqual([64, 64]);
        if (tile.col % 5 === 0 && tile.row % 4 === 0) {
          const direct = await section.readRegion(tile.x, tile.y, 64, 64);
          expect(Buffer.from(image.data).equals(Buffer.from(direct.data))).toBe(true);
        }
      }
    }
    expect(batches).toBe(Math.ceil((16 * 12) / 50));
    expect(seen.size).toBe(16 * 12);
  });

  it('reads a finer section from the pyramid level at the grid scale', async () => {
    // 0.5 µm/px: a 64-px tile at 1 µm/px is a 128-px box on level 0, exactly 64 px on level 1.
    const tiles = await plansFor(0.5, 64);
    expect(tiles[0]!.box).toBe(128);
    for await (const batch of cutTiles(section, tiles.slice(0, 6), { size: 64 })) {
      for (const { tile, image } of batch) {
        const direct = await section.readRegion(tile.x / 2, tile.y / 2, 64, 64, 1);
        expect(Buffer.from(image.data).equals(Buffer.from(direct.data))).toBe(true);
      }
    }
  });

  it('upsamples a coarser section to model size with the one resize', async () => {
    // 2 µm/px: the 64-px tile is a 32-px box; its centre block colour survives the bicubic upsampling.
    const tiles = await plansFor(2, 64);
    for await (const batch of cutTiles(section, tiles.slice(3, 9), { size: 64 })) {
      for (const { tile, image } of batch) {
        expect([image.width, image.height]).toEqual([64, 64]);
        const cx = tile.x + 16;
        const cy = tile.y + 16;
        if (cx % 64 > 4 && cx % 64 < 60 && cy % 64 > 4 && cy % 64 < 60)
          expect(near(pixel(image, 32, 32), blockColour(cx, cy), 6)).toBe(true);
      }
    }
  });
});

describe('cutTiles resampling', () => {
  it('gives the pixels the one resize gives the tile box alone, but for the border where real neighbours differ', async () => {
    const section = await openSection(join(dir, 'hand.tif'), { cacheDir: join(dir, 'cache') });
    // 2 µm/px under a 1 µm/px grid of 96 px: 48-px boxes upsampled 2×.
    const grid = { micronsPerPixel: 1, size: 96 };
    const plan = await planTiles(section, annotations, { atlas: 'h', section: 's', micronsPerPixel: 2, grid });
    let compared = 0;
    for await (const batch of cutTiles(section, plan.tiles, { size: 96 })) {
      for (const { tile, image } of batch.filter((_, i) => i % 7 === 0)) {
        const alone = await prepareModelInput(await section.readRegion(tile.x, tile.y, tile.box, tile.box), {
          size: 96,
          resize: 'bicubic',
          crop: 'center',
        });
        let sum = 0;
        let n = 0;
        for (let y = 6; y < 90; y++)
          for (let x = 6; x < 90; x++)
            for (let c = 0; c < 3; c++) {
              sum += Math.abs(image.data[(y * 96 + x) * 3 + c]! - alone.data[(y * 96 + x) * 3 + c]!);
              n++;
            }
        expect(sum / n, `${tile.x},${tile.y}`).toBeLessThan(1.5);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
  });
});

describe('cropRegionImages', () => {
  it('crops each region to its bbox, masks everything outside it white, at model size', async () => {
    const crops = [];
    for await (const crop of cropRegionImages(hand, annotations, { atlas: 'hand', section: 's', size: 100 }))
      crops.push(crop);
    expect(crops.map((c) => c.region).sort()).toEqual(['CP', 'SP', 'VZ']);
    const vz = crops.find((c) => c.region === 'VZ')!;
    expect(vz.bbox).toEqual([800, 300, 200, 200]);
    expect(near(pixel(vz.image, 50, 50), [60, 40, 140], 4)).toBe(true);
    const sp = crops.find((c) => c.region === 'SP')!;
    expect(sp.bbox).toEqual([600, 100, 500, 600]);
    // SP's long side (600) maps to 100 px: its hole (VZ) is white, its tissue lilac, the padding white.
    const sx = (x: number) => Math.round(((x - 600) / 600) * 100 + (100 - (500 / 600) * 100) / 2);
    const sy = (y: number) => Math.round(((y - 100) / 600) * 100);
    expect(pixel(sp.image, sx(900), sy(400))).toEqual([255, 255, 255]);
    expect(near(pixel(sp.image, sx(700), sy(600)), [170, 150, 210], 6)).toBe(true);
    expect(pixel(sp.image, 2, 50)).toEqual([255, 255, 255]);
    const cp = crops.find((c) => c.region === 'CP')!;
    expect(near(pixel(cp.image, 50, 50), [120, 90, 180], 4)).toBe(true);
    expect(cp.image.data.length).toBe(100 * 100 * 3);
  });
});
