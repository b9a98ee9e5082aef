import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidV5 } from '@cytoclip/domain';
import sharp from 'sharp';
import { buildFixture, closeFixture, post } from './fixture.js';

let f: Awaited<ReturnType<typeof buildFixture>>;
const REGION = uuidV5('image-limits/big-region');
// The size of the region the issue measured: 0.7 s and +165 MB a request at full size.
const [W, H] = [2596, 3180];
const secret = join(tmpdir(), `cytoclip-secret-${process.pid}.tif`);

beforeAll(async () => {
  f = await buildFixture();
  const { catalog, dataDir } = f.stack;
  mkdirSync(join(dataDir, 'sections/tiny'), { recursive: true });
  await sharp({ create: { width: W, height: H, channels: 3, background: '#b4a0c8' } })
    .tiff({ tile: true, pyramid: true, tileWidth: 256, tileHeight: 256, compression: 'jpeg' })
    .toFile(join(dataDir, 'sections/tiny/big.tif'));
  const section = (id: string, imagePath: string) =>
    catalog.upsertSection({
      atlas: 'tiny',
      id,
      specimen: 'S01',
      plane: 'coronal',
      index: 2,
      stain: 'nissl',
      micronsPerPixel: 1,
      width: W,
      height: H,
      levels: 4,
      imagePath,
    });
  await section('S01-cor-0002', 'sections/tiny/big.tif');
  await catalog.insertRegionImages(
    [
      {
        id: REGION,
        atlas: 'tiny',
        section: 'S01-cor-0002',
        region: 'CP',
        x: 0,
        y: 0,
        width: W,
        height: H,
        area: W * H,
      },
    ].map((r) => ({ ...r, imagePath: null })),
  );
  // Rows that point out of DATA_DIR: a path that climbs out, and a link inside that leads out.
  await sharp({ create: { width: 300, height: 300, channels: 3, background: '#ff0000' } })
    .tiff()
    .toFile(secret);
  symlinkSync(secret, join(dataDir, 'sections/tiny/linked.tif'));
  await section('S01-cor-0003', `../${'../'.repeat(10)}${secret}`);
  await section('S01-cor-0004', 'sections/tiny/linked.tif');
}, 300_000);
afterAll(async () => {
  await closeFixture();
  rmSync(secret, { force: true });
});

async function size(res: Response) {
  expect(res.status).toBe(200);
  const { width, height } = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
  return [width, height];
}

describe('image routes render at most 2,048 px on the long side', () => {
  it('a region image without ?size= (full size was 2596x3180)', async () => {
    expect(await size(await f.app.request(`/v1/region-images/${REGION}/image`))).toEqual([1672, 2048]);
  });

  it('?size may ask for less; more than the cap is refused, naming size', async () => {
    expect(await size(await f.app.request(`/v1/region-images/${REGION}/image?size=512&format=jpeg`))).toEqual([
      418, 512,
    ]);
    for (const asked of ['2049', '4096', '1e4', '0x10', '7', '']) {
      const res = await f.app.request(`/v1/region-images/${REGION}/image?size=${asked}`);
      expect(res.status, asked).toBe(400);
      expect(((await res.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe('size');
    }
  });

  it('a tile keeps its own size when smaller than the cap', async () => {
    expect(await size(await f.app.request(`/v1/tiles/${f.tileIds[0]}/image`))).toEqual([224, 224]);
  });
});

describe('stored section images are served only from inside DATA_DIR', () => {
  it.each(['S01-cor-0003', 'S01-cor-0004'])('%s points outside: no pixels of it are served', async (id) => {
    const res = await f.app.request(`/v1/sections/${id}/dzi_files/12/0_0.png`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('section_image_unavailable');
  });
});

describe('uploads', () => {
  const png = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: '#8080c0' } })
      .png()
      .toBuffer();

  it.each([
    [1, 100_000],
    [100_000, 1],
    [2, 5000],
  ])('a %ix%i image under the pixel limit is a clear 422 naming the field, not libvips text', async (w, h) => {
    const bytes = await png(w, h);
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(bytes)]), 'thin.png');
    const upload = await f.app.request('/v1/search/image', { method: 'POST', body: form });
    const classify = await post(f.app, '/v1/classify', { image: bytes.toString('base64') });
    for (const [status, body] of [
      [upload.status, (await upload.json()) as { code: string; detail: string; errors: { field: string }[] }],
      [classify.status, classify.json],
    ] as const) {
      expect(status).toBe(422);
      expect(body.code).toBe('image_too_thin');
      expect(body.detail).toContain(`${w}x${h}`);
      expect(body.detail).not.toMatch(/vips|VipsImage/i);
    }
  });

  it('a truncated image is a 400 that does not quote the decoder', async () => {
    const bytes = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#123456' } })
      .jpeg()
      .toBuffer();
    const r = await post(f.app, '/v1/classify', { image: bytes.subarray(0, bytes.length - 200).toString('base64') });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'corrupt_image', errors: [{ field: 'image' }] });
    expect(r.json.detail).not.toMatch(/vips|jpeg:|premature/i);
  });

  it('still embeds an elongated but sane image (1:50)', async () => {
    const r = await post(f.app, '/v1/classify', { image: (await png(20, 1000)).toString('base64') });
    expect(r.status).toBe(200);
  });
});
