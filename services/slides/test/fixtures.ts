import sharp from 'sharp';
import { rawImage, type RawImage } from '@cytoclip/slides';

/** Colour of the 64-px block at level-0 (x, y): distinct, far apart, so JPEG noise cannot confuse neighbours. */
export function blockColour(x: number, y: number): [number, number, number] {
  const bx = Math.floor(x / 64);
  const by = Math.floor(y / 64);
  return [40 + ((bx * 37) % 5) * 40, 40 + ((by * 53) % 5) * 40, 40 + (((bx + by) * 29) % 5) * 40];
}

export function blocks(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(blockColour(x, y), (y * width + x) * 3);
  return rawImage(data, width, height);
}

export function sharpOf(raw: RawImage): sharp.Sharp {
  return sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 3 } });
}

export function pixel(raw: RawImage, x: number, y: number): [number, number, number] {
  const i = (y * raw.width + x) * 3;
  return [raw.data[i]!, raw.data[i + 1]!, raw.data[i + 2]!];
}

export function near(a: number[], b: number[], tolerance = 12): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);
}
