import sharp, { type Sharp } from 'sharp';

/** Decoded 8-bit RGB pixels, interleaved, row-major. The one in-memory image type of the platform. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

export function rawImage(data: Uint8Array, width: number, height: number): RawImage {
  if (data.length !== width * height * 3) {
    throw new Error(`raw image of ${width}x${height} needs ${width * height * 3} bytes, got ${data.length}`);
  }
  return { data, width, height, channels: 3 };
}

/** A sharp pipeline reading a RawImage (no decode). */
export function sharpFromRaw(raw: RawImage): Sharp {
  return sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 3 } });
}

/** Lossless PNG of a RawImage (for dataset images, thumbnails and the API's /image routes). */
export async function toPng(raw: RawImage, options: { compressionLevel?: number } = {}): Promise<Buffer> {
  return sharpFromRaw(raw)
    .png({ compressionLevel: options.compressionLevel ?? 6 })
    .toBuffer();
}

/** Copies a w×h window out of a RawImage (coordinates must lie inside it). */
export function cropRaw(raw: RawImage, x: number, y: number, w: number, h: number): RawImage {
  const out = new Uint8Array(w * h * 3);
  const rowBytes = w * 3;
  for (let row = 0; row < h; row++) {
    const from = ((y + row) * raw.width + x) * 3;
    out.set(raw.data.subarray(from, from + rowBytes), row * rowBytes);
  }
  return rawImage(out, w, h);
}
