import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCytoclipError } from '@cytoclip/domain';
import { cutTiles, openSection, planTiles } from '@cytoclip/slides';
import { blockColour, blocks, sharpOf } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'slides-corrupt-'));

/** Opens, plans and cuts every tile; returns the error, if any. */
async function readAll(path: string): Promise<unknown> {
  try {
    const section = await openSection(path, { cacheDir: join(dir, 'cache') });
    const plan = await planTiles(section, null, {
      atlas: 'a',
      section: 's',
      micronsPerPixel: 1,
      grid: { micronsPerPixel: 1, size: 128 },
      minTissue: 0,
    });
    for await (const batch of cutTiles(section, plan.tiles, { size: 128 })) expect(batch.length).toBeGreaterThan(0);
    return null;
  } catch (error) {
    return error;
  }
}

describe('damaged section files', () => {
  it('a truncated pyramid fails with invalid_image, never a raw libvips error or a crash', async () => {
    const whole = join(dir, 'whole.tif');
    await sharpOf(blocks(1536, 1024)).tiff({ tile: true, pyramid: true, compression: 'deflate' }).toFile(whole);
    expect(await readAll(whole)).toBeNull();
    const bytes = readFileSync(whole);
    for (const keep of [0.3, 0.6]) {
      const path = join(dir, `cut-${keep}.tif`);
      writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * keep)));
      const error = await readAll(path);
      expect(isCytoclipError(error), `${keep}: ${String(error)}`).toBe(true);
      expect((error as { code: string }).code).toBe('invalid_image');
    }
  });

  it('a pyramid that lost only its small levels still reads level 0 right (converted to a fresh pyramid)', async () => {
    const whole = join(dir, 'whole3.tif');
    await sharpOf(blocks(1536, 1024)).tiff({ tile: true, pyramid: true, compression: 'deflate' }).toFile(whole);
    const bytes = readFileSync(whole);
    const path = join(dir, 'cut-0.8.tif');
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    expect(await readAll(path)).toBeNull();
    const section = await openSection(path, { cacheDir: join(dir, 'cache') });
    expect(section.path).not.toBe(path);
    const region = await section.readRegion(640, 320, 8, 8);
    expect([...region.data.subarray(0, 3)]).toEqual(blockColour(640, 320));
  });

  it('garbage inside the tile data fails with invalid_image', async () => {
    const whole = join(dir, 'whole2.tif');
    await sharpOf(blocks(1536, 1024)).tiff({ tile: true, pyramid: true, compression: 'deflate' }).toFile(whole);
    const bytes = Buffer.from(readFileSync(whole));
    bytes.fill(0x5a, 2000, Math.floor(bytes.length * 0.4));
    const error = await readAll(join(dir, 'x.tif').replace('x.tif', 'garbage.tif'));
    // The untouched file name above does not exist: a missing file is image_not_found.
    expect((error as { code: string }).code).toBe('image_not_found');
    writeFileSync(join(dir, 'garbage.tif'), bytes);
    const damaged = await readAll(join(dir, 'garbage.tif'));
    expect(isCytoclipError(damaged), String(damaged)).toBe(true);
    expect((damaged as { code: string }).code).toBe('invalid_image');
  });
});
