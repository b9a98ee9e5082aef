import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCytoclipError } from '@cytoclip/domain';
import { copySectionToStore, openSection, type SectionImage } from '@cytoclip/slides';
import { needs } from '../../../test/support/needs.js';
import { blockColour, blocks, near, pixel, sharpOf } from './fixtures.js';

const W = 1500;
const H = 1000;
const dir = mkdtempSync(join(tmpdir(), 'slides-section-'));
const cacheDir = join(dir, 'cache');
const source = blocks(W, H);

function vipsMissing(): string | null {
  try {
    execFileSync('vips', ['--version']);
    return null;
  } catch {
    return "Debian's vips command (libvips-tools) is not installed";
  }
}

/** Reads a few regions at level 0 and checks their block colours. */
async function expectReadsRight(section: SectionImage): Promise<void> {
  expect([section.width, section.height]).toEqual([W, H]);
  for (const [x, y] of [
    [0, 0],
    [700, 300],
    [1400, 900],
    [130, 650],
  ] as const) {
    const region = await section.readRegion(x, y, 40, 30);
    expect([region.width, region.height, region.data.length]).toEqual([40, 30, 40 * 30 * 3]);
    // Centre of the first whole 64-px block inside the region.
    const cx = Math.min(x + 40 - 1, Math.ceil((x + 1) / 64) * 64 + 2);
    const cy = Math.min(y + 30 - 1, Math.ceil((y + 1) / 64) * 64 + 2);
    const got = pixel(region, cx - x, cy - y);
    if (cx - x < 36 && cy - y < 26 && cx % 64 < 60 && cy % 64 < 60)
      expect(near(got, blockColour(cx, cy), 20), `${x},${y}: ${got}`).toBe(true);
  }
}

describe('openSection', () => {
  it('reads a tiled pyramidal TIFF in place, with its levels', async () => {
    const path = join(dir, 'pyr.tif');
    await sharpOf(source).tiff({ tile: true, pyramid: true, compression: 'jpeg', quality: 95 }).toFile(path);
    const section = await openSection(path, { cacheDir });
    expect(section.path).toBe(path);
    expect(section.levels.map((l) => l.width)).toEqual([1500, 750, 375, 187]);
    expect(section.levels[1]!.downsample).toBe(2);
    expect(section.bestLevel(3)).toBe(1);
    expect(section.bestLevel(0.5)).toBe(0);
    await expectReadsRight(section);
    const low = await section.readRegion(0, 0, 375, 250, 2);
    expect(near(pixel(low, 40, 40), blockColour(160 + 2, 160 + 2), 25)).toBe(true);
  });

  it('pads reads past the edge with white glass', async () => {
    const path = join(dir, 'pyr2.tif');
    await sharpOf(source).tiff({ tile: true, pyramid: true, compression: 'deflate' }).toFile(path);
    const section = await openSection(path, { cacheDir });
    const edge = await section.readRegion(W - 10, H - 10, 20, 20);
    expect(pixel(edge, 15, 15)).toEqual([255, 255, 255]);
    expect(near(pixel(edge, 2, 2), blockColour(W - 8, H - 8), 4)).toBe(true);
    const outside = await section.readRegion(W + 100, 0, 8, 8);
    expect(pixel(outside, 0, 0)).toEqual([255, 255, 255]);
  });

  it('reads a BigTIFF pyramid', async () => {
    const path = join(dir, 'big.tif');
    await sharpOf(source).tiff({ tile: true, pyramid: true, bigtiff: true, compression: 'deflate' }).toFile(path);
    const section = await openSection(path, { cacheDir });
    expect(section.levels.length).toBeGreaterThan(2);
    await expectReadsRight(section);
  });

  it('converts PNG, JPEG and plain TIFF once into a cached pyramid', async () => {
    const formats = {
      png: sharpOf(source).png(),
      jpg: sharpOf(source).jpeg({ quality: 95 }),
      tif: sharpOf(source).tiff(),
    };
    const ownCache = join(dir, 'cache-plain');
    for (const [ext, pipeline] of Object.entries(formats)) {
      const path = join(dir, `plain.${ext}`);
      await pipeline.toFile(path);
      const section = await openSection(path, { cacheDir: ownCache });
      expect(section.path.startsWith(ownCache)).toBe(true);
      expect(section.levels.length).toBeGreaterThan(2);
      await expectReadsRight(section);
      const again = await openSection(path, { cacheDir: ownCache });
      expect(again.path).toBe(section.path);
    }
    expect(readdirSync(ownCache).filter((f) => f.endsWith('.tif'))).toHaveLength(3);
    expect(readdirSync(ownCache).some((f) => f.includes('.tmp'))).toBe(false);
  });

  it('reads OME-style sub-IFD pyramids', async (ctx) => {
    if (!needs('vips', vipsMissing())) return ctx.skip();
    const flat = join(dir, 'flat.tif');
    await sharpOf(source).tiff().toFile(flat);
    const path = join(dir, 'subifd.tif');
    execFileSync('vips', ['tiffsave', flat, path, '--tile', '--pyramid', '--subifd', '--compression', 'deflate']);
    const section = await openSection(path, { cacheDir });
    expect(section.path).toBe(path);
    expect(section.levels.map((l) => l.width).slice(0, 3)).toEqual([1500, 750, 375]);
    await expectReadsRight(section);
    const low = await section.readRegion(100, 100, 10, 10, 1);
    expect(near(pixel(low, 5, 5), blockColour(210, 210), 20)).toBe(true);
  });

  it('refuses non-images, truncated files, missing files and oversized sections clearly', async () => {
    const junk = join(dir, 'junk.tif');
    writeFileSync(junk, 'not a tiff');
    await expect(openSection(junk, { cacheDir })).rejects.toMatchObject({ code: 'invalid_image' });
    const png = await sharpOf(source).png().toBuffer();
    const truncated = join(dir, 'truncated.png');
    writeFileSync(truncated, png.subarray(0, png.length / 3));
    const error = await openSection(truncated, { cacheDir: join(dir, 'cache-trunc') }).catch((e: unknown) => e);
    expect(isCytoclipError(error) && error.code).toBe('invalid_image');
    expect(existsSync(join(dir, 'cache-trunc')) ? readdirSync(join(dir, 'cache-trunc')) : []).toEqual([]);
    await expect(openSection(join(dir, 'nope.tif'), { cacheDir })).rejects.toMatchObject({ code: 'image_not_found' });
    const path = join(dir, 'pyr3.tif');
    await sharpOf(source).tiff({ tile: true, pyramid: true }).toFile(path);
    await expect(openSection(path, { cacheDir, limitInputPixels: 1000 })).rejects.toMatchObject({
      code: 'image_too_large',
    });
  });

  it('says how to read SVS where vips is missing, and converts it where present', async () => {
    const fake = join(dir, 'slide.svs');
    writeFileSync(fake, 'not really a slide');
    const error = await openSection(fake, { cacheDir }).catch((e: unknown) => e);
    expect(isCytoclipError(error)).toBe(true);
    expect(['unsupported_format', 'invalid_image']).toContain((error as { code: string }).code);
    if (vipsMissing()) expect((error as Error).message).toMatch(/libvips-tools/);
    else expect((error as Error).message).toMatch(/vips could not convert/);
  });
});

describe('copySectionToStore', () => {
  it('copies a pyramid byte for byte and converts anything else', async () => {
    const store = join(dir, 'store');
    const pyr = join(dir, 'store-src.tif');
    await sharpOf(source).tiff({ tile: true, pyramid: true }).toFile(pyr);
    const copied = await copySectionToStore(pyr, store, 'S01-cor-0001');
    expect(copied).toBe(join(store, 'S01-cor-0001.tif'));
    const png = join(dir, 'store-src.png');
    await sharpOf(source).png().toFile(png);
    const converted = await copySectionToStore(png, store);
    const section = await openSection(converted, { cacheDir });
    expect(section.path).toBe(converted);
    await expectReadsRight(section);
    expect(readdirSync(store).sort()).toEqual(['S01-cor-0001.tif', 'store-src.tif']);
    await expect(copySectionToStore(png, store, '../escape')).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});
