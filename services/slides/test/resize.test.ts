import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isCytoclipError } from '@cytoclip/domain';
import { decodeImage, prepareModelInput, rawImage, toPng, type RawImage } from '@cytoclip/slides';
import { modelInputGeometry } from '../src/resize.js';

/** Left half red, right half blue; w×h. */
function halves(w: number, h: number): RawImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      if (x < w / 2) data[i] = 255;
      else data[i + 2] = 255;
    }
  return rawImage(data, w, h);
}

function pixel(raw: RawImage, x: number, y: number): number[] {
  const i = (y * raw.width + x) * 3;
  return [raw.data[i]!, raw.data[i + 1]!, raw.data[i + 2]!];
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isCytoclipError(error), String(error)).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

describe('prepareModelInput', () => {
  it('scales the short side and cuts the centre square', async () => {
    // 400×200: short side 200 -> 100, long 400 -> 200, crop 50..150: left 50 px red, right 50 px blue.
    const out = await prepareModelInput(halves(400, 200), { size: 100, resize: 'bicubic', crop: 'center' });
    expect([out.width, out.height, out.channels, out.data.length]).toEqual([100, 100, 3, 30000]);
    expect(pixel(out, 10, 50)).toEqual([255, 0, 0]);
    expect(pixel(out, 90, 50)).toEqual([0, 0, 255]);
    expect(modelInputGeometry(400, 200, 100, 'center')).toEqual({
      resized: { width: 200, height: 100 },
      left: 50,
      top: 0,
    });
  });

  it('crops away the sides of a wide image (a red border outside the centre never shows)', async () => {
    const w = 300,
      h = 100;
    const data = new Uint8Array(w * h * 3).fill(128);
    for (let y = 0; y < h; y++) for (let x = 0; x < 50; x++) data[(y * w + x) * 3] = 255;
    const out = await prepareModelInput(rawImage(data, w, h), { size: 50, resize: 'bilinear', crop: 'center' });
    for (let x = 0; x < 50; x++) expect(pixel(out, x, 25)).toEqual([128, 128, 128]);
  });

  it("'none' keeps the whole image and pads with the background", async () => {
    const out = await prepareModelInput(halves(400, 200), {
      size: 100,
      resize: 'bicubic',
      crop: 'none',
      background: '#000000',
    });
    expect([out.width, out.height]).toEqual([100, 100]);
    expect(pixel(out, 50, 5)).toEqual([0, 0, 0]); // padding above
    expect(pixel(out, 5, 50)).toEqual([255, 0, 0]);
    expect(pixel(out, 95, 50)).toEqual([0, 0, 255]);
  });

  it('flattens transparency onto white and greyscale to RGB', async () => {
    const transparent = await sharp({
      create: { width: 20, height: 20, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const out = await prepareModelInput(transparent, { size: 8, resize: 'bicubic', crop: 'center' });
    expect(pixel(out, 4, 4)).toEqual([255, 255, 255]);
    const grey = await sharp(Buffer.alloc(100, 77), { raw: { width: 10, height: 10, channels: 1 } })
      .png()
      .toBuffer();
    const g = await prepareModelInput(grey, { size: 10, resize: 'bicubic', crop: 'center' });
    expect(g.channels).toBe(3);
    expect(pixel(g, 5, 5)).toEqual([77, 77, 77]);
  });

  it('reads paths, buffers and RawImages alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slides-resize-'));
    const png = await toPng(halves(64, 32));
    writeFileSync(join(dir, 'a.png'), png);
    const opts = { size: 16, resize: 'bicubic', crop: 'center' } as const;
    const fromPath = await prepareModelInput(join(dir, 'a.png'), opts);
    const fromBuffer = await prepareModelInput(png, opts);
    const fromRaw = await prepareModelInput(halves(64, 32), opts);
    expect(Buffer.from(fromPath.data).equals(Buffer.from(fromBuffer.data))).toBe(true);
    expect(Buffer.from(fromRaw.data).equals(Buffer.from(fromBuffer.data))).toBe(true);
  });

  it('is deterministic and leaves an already-sized image unchanged', async () => {
    const img = halves(32, 32);
    const out = await prepareModelInput(img, { size: 32, resize: 'bicubic', crop: 'center' });
    expect(Buffer.from(out.data).equals(Buffer.from(img.data))).toBe(true);
  });

  it('refuses non-images, corrupt and truncated files with invalid_image', async () => {
    const opts = { size: 16, resize: 'bicubic', crop: 'center' } as const;
    await expectCode(prepareModelInput(Buffer.from('this is not an image at all'), opts), 'invalid_image');
    const jpeg = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#884466' } })
      .jpeg()
      .toBuffer();
    await expectCode(prepareModelInput(jpeg.subarray(0, jpeg.length / 2), opts), 'invalid_image');
    const png = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#884466' } })
      .png()
      .toBuffer();
    await expectCode(prepareModelInput(png.subarray(0, png.length - 30), opts), 'invalid_image');
    const corrupt = Buffer.from(png);
    corrupt.fill(0x55, 60, 200);
    await expectCode(prepareModelInput(corrupt, opts), 'invalid_image');
    await expectCode(decodeImage(Buffer.alloc(0)), 'invalid_image');
  });

  it('refuses an image over the pixel limit and a missing file', async () => {
    const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    await expectCode(
      prepareModelInput(png, { size: 16, resize: 'bicubic', crop: 'center', limitInputPixels: 1000 }),
      'image_too_large',
    );
    await expectCode(
      prepareModelInput('/nonexistent/x.png', { size: 16, resize: 'bicubic', crop: 'center' }),
      'image_not_found',
    );
  });
});
