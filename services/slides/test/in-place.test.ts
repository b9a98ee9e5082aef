import { lstat, mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkSectionInStore, openSection, readableInPlace, tiffLayout } from '@cytoclip/slides';

// A source that already is a tiled pyramidal TIFF (DHARANI's are JPEG-tiled, 64,000²) is read where it lies.
describe('reading a section in place', () => {
  let dir: string;
  const image = () =>
    sharp({ create: { width: 1200, height: 900, channels: 3, background: '#a070b0' } }).composite([
      { input: { create: { width: 300, height: 300, channels: 3, background: '#203040' } }, left: 600, top: 300 },
    ]);
  const file = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slides-in-place-'));
    const tiled = { tile: true, tileWidth: 256, tileHeight: 256, pyramid: true } as const;
    await image()
      .tiff({ ...tiled, compression: 'jpeg' })
      .toFile(file('jpeg-pyramid.tif'));
    await image()
      .tiff({ ...tiled, compression: 'lzw' })
      .toFile(file('lzw-pyramid.tif'));
    await image()
      .tiff({ ...tiled, compression: 'deflate', bigtiff: true })
      .toFile(file('big-deflate-pyramid.tif'));
    await image().tiff({ compression: 'jpeg' }).toFile(file('strips.tif'));
    await image()
      .tiff({ tile: true, tileWidth: 256, tileHeight: 256, compression: 'jpeg' })
      .toFile(file('one-level.tif'));
    await image().png().toFile(file('plain.png'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads tiling and compression from the first IFD, classic and BigTIFF', async () => {
    expect(await tiffLayout(file('jpeg-pyramid.tif'))).toEqual({ tiled: true, compression: 7 });
    expect(await tiffLayout(file('lzw-pyramid.tif'))).toEqual({ tiled: true, compression: 5 });
    expect(await tiffLayout(file('big-deflate-pyramid.tif'))).toEqual({ tiled: true, compression: 8 });
    expect(await tiffLayout(file('strips.tif'))).toMatchObject({ tiled: false });
    expect(await tiffLayout(file('plain.png'))).toBeNull();
  });

  it('takes tiled pyramids only: strips, a single level and other formats are copied or converted', async () => {
    for (const name of ['jpeg-pyramid.tif', 'lzw-pyramid.tif', 'big-deflate-pyramid.tif'])
      expect(await readableInPlace(file(name)), name).toBe(true);
    for (const name of ['strips.tif', 'one-level.tif', 'plain.png'])
      expect(await readableInPlace(file(name)), name).toBe(false);
  });

  it('links the source into the store under the copy name; the link reads as the source', async () => {
    const store = join(dir, 'store');
    const link = await linkSectionInStore(file('jpeg-pyramid.tif'), store, 'S01-abc');
    expect(link).toBe(join(store, 'S01-abc.tif'));
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(file('jpeg-pyramid.tif'));
    expect(await linkSectionInStore(file('jpeg-pyramid.tif'), store, 'S01-abc')).toBe(link); // again: the same link
    await expect(linkSectionInStore(file('jpeg-pyramid.tif'), store, '../escape')).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    const section = await openSection(link);
    expect([section.width, section.height, section.levels.length > 1]).toEqual([1200, 900, true]);
    const dark = await section.readRegion(700, 400, 8, 8);
    expect(dark.data[0]!).toBeLessThan(80);
  });
});
