import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dziTileRect, readRegion, sectionSize, storedSectionImage } from '../src/section-images.js';

// Ingest reads a big tiled pyramidal TIFF in place: DATA_DIR/sections holds a link into the atlas folder. The Deep
// Zoom routes follow it there, and only there: an atlas root (CYTOCLIP_ATLAS_ROOTS) or DATA_DIR itself.
describe('a section read in place', () => {
  let base: string;
  let dataDir: string;
  let atlasRoot: string;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'query-in-place-'));
    dataDir = join(base, 'data');
    atlasRoot = join(base, 'atlases');
    await mkdir(join(dataDir, 'sections', 'big'), { recursive: true });
    await mkdir(join(atlasRoot, 'big', 'sections'), { recursive: true });
    await mkdir(join(base, 'elsewhere'));
    for (const where of [join(atlasRoot, 'big', 'sections', 'S01.tif'), join(base, 'elsewhere', 'S02.tif')])
      await sharp({ create: { width: 2000, height: 1500, channels: 3, background: '#304050' } })
        .tiff({ tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, compression: 'jpeg' })
        .toFile(where);
    await symlink(join(atlasRoot, 'big', 'sections', 'S01.tif'), join(dataDir, 'sections', 'big', 'S01-abc.tif'));
    await symlink(join(base, 'elsewhere', 'S02.tif'), join(dataDir, 'sections', 'big', 'S02-abc.tif'));
    vi.stubEnv('CYTOCLIP_ATLAS_ROOTS', atlasRoot);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await rm(base, { recursive: true, force: true });
  });

  it('serves Deep Zoom tiles of a link into an atlas root', async () => {
    const path = await storedSectionImage(dataDir, join(dataDir, 'sections', 'big', 'S01-abc.tif'));
    expect(path).toContain(join('atlases', 'big', 'sections', 'S01.tif'));
    const { width, height } = await sectionSize(path);
    expect([width, height]).toEqual([2000, 1500]);
    const tile = dziTileRect(width, height, 9, 0, 0)!;
    const jpeg = await readRegion(path, tile.rect, tile.out, 'jpeg');
    const meta = await sharp(jpeg).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', tile.out.width, tile.out.height]);
  });

  it('refuses a link leading anywhere else', async () => {
    await expect(storedSectionImage(dataDir, join(dataDir, 'sections', 'big', 'S02-abc.tif'))).rejects.toMatchObject({
      code: 'section_image_unavailable',
    });
  });
});
