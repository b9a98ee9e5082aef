import sharp from 'sharp';
import { rawImage, type RawImage } from './raw.js';
import type { SectionImage } from './section.js';

/** Tissue (1) against glass (0) on a coarse grid: mask pixel (px, py) covers level-0 [px·d, (px+1)·d). */
export interface TissueMap {
  mask: Uint8Array;
  width: number;
  height: number;
  downsample: number;
  /** The glass colour the detection measured against. */
  background: [number, number, number];
}

export interface TissueOptions {
  /**
   * Summed optical density over RGB (against the glass colour) above which a pixel is stained whatever its hue;
   * default 0.3. High, because uneven illumination alone darkens glass by up to ~0.2.
   */
  minDensity?: number;
  /**
   * Saturation above the glass's own at which a pixel is stained (cresyl violet is violet-blue, glass near grey
   * even where illumination is uneven); default 0.03.
   */
  minSaturation?: number;
  /**
   * Radius in coarse pixels of the morphological closing that joins stained cells into tissue, so the pale
   * neuropil between sparse somata counts as tissue (fetal cellular tiles are mostly near-white); default 3.
   */
  closeRadius?: number;
}

/** The whole section at 1/`downsample` of level 0 (size ceil(W/d)×ceil(H/d)), read from the best pyramid level. */
export async function readThumbnail(section: SectionImage, downsample: number): Promise<RawImage> {
  const level = section.bestLevel(downsample);
  const info = section.levels[level]!;
  const full = await section.readRegion(0, 0, info.width, info.height, level);
  const width = Math.max(1, Math.ceil(section.width / downsample));
  const height = Math.max(1, Math.ceil(section.height / downsample));
  if (full.width === width && full.height === height) return full;
  const data = await sharp(full.data, { raw: { width: full.width, height: full.height, channels: 3 } })
    .resize({ width, height, fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return rawImage(new Uint8Array(data.buffer, data.byteOffset, data.length), width, height);
}

/** Glass colour: the per-channel median of the brightest 2% of pixels (white when nothing is brighter). */
export function glassColour(raw: RawImage): [number, number, number] {
  const n = raw.width * raw.height;
  const histogram = new Uint32Array(766);
  for (let i = 0; i < n; i++) histogram[raw.data[i * 3]! + raw.data[i * 3 + 1]! + raw.data[i * 3 + 2]!]!++;
  let cut = 765;
  for (let seen = 0; cut > 0 && seen + histogram[cut]! < Math.max(1, n * 0.02); cut--) seen += histogram[cut]!;
  const channels: number[][] = [[], [], []];
  for (let i = 0; i < n; i++) {
    if (raw.data[i * 3]! + raw.data[i * 3 + 1]! + raw.data[i * 3 + 2]! < cut) continue;
    for (let c = 0; c < 3; c++) channels[c]!.push(raw.data[i * 3 + c]!);
  }
  return channels.map((v) => (v.length ? Math.max(1, v.sort((a, b) => a - b)[v.length >> 1]!) : 255)) as [
    number,
    number,
    number,
  ];
}

/** Classifies a coarse image into tissue and glass (pure; detectTissue reads the image). */
export function tissueMask(raw: RawImage, downsample: number, options: TissueOptions = {}): TissueMap {
  let background = glassColour(raw);
  // Brightest pixels that are coloured or dark are tissue, not glass (a field entirely inside tissue): use white.
  if (saturationOf(...background) > 0.1 || Math.min(...background) < 180) background = [255, 255, 255];
  const minDensity = options.minDensity ?? 0.3;
  const minSaturation = saturationOf(...background) + (options.minSaturation ?? 0.03);
  // Optical density of each 8-bit value against the glass, per channel: three lookups per pixel instead of logs.
  const density = background.map((bg) =>
    Float64Array.from({ length: 256 }, (_, v) => Math.max(0, Math.log10(bg) - Math.log10(Math.max(v, 1)))),
  );
  const [dr, dg, db] = density as [Float64Array, Float64Array, Float64Array];
  const n = raw.width * raw.height;
  const data = raw.data;
  const stained = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const r = data[j]!;
    const g = data[j + 1]!;
    const b = data[j + 2]!;
    stained[i] = dr[r]! + dg[g]! + db[b]! > minDensity || saturationOf(r, g, b) > minSaturation ? 1 : 0;
  }
  const mask = close(stained, raw.width, raw.height, options.closeRadius ?? 3);
  return { mask, width: raw.width, height: raw.height, downsample, background };
}

function saturationOf(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  return max === 0 ? 0 : (max - Math.min(r, g, b)) / max;
}

export async function detectTissue(
  section: SectionImage,
  downsample: number,
  options: TissueOptions = {},
): Promise<TissueMap> {
  return tissueMask(await readThumbnail(section, downsample), downsample, options);
}

/** Share of tissue pixels in the whole map. */
export function tissueShare(map: TissueMap): number {
  let sum = 0;
  for (const v of map.mask) sum += v;
  return sum / map.mask.length;
}

/** Morphological closing (dilate, then erode) with a square of radius r, separable. */
export function close(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  if (r <= 0) return mask;
  return morph(morph(mask, w, h, r, 1), w, h, r, 0);
}

function morph(mask: Uint8Array, w: number, h: number, r: number, dilate: 0 | 1): Uint8Array {
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < h; y++) slide(mask, rows, y * w, 1, w, r, dilate);
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < w; x++) slide(rows, out, x, w, h, r, dilate);
  return out;
}

/**
 * One line of a separable dilation (erosion) with a window of 2r+1: a running count of the window's 1s (0s), so
 * each pixel costs the same whatever r. Beyond the border counts as glass when dilating and as tissue when eroding,
 * so closing keeps edge tissue.
 */
function slide(
  src: Uint8Array,
  out: Uint8Array,
  start: number,
  step: number,
  n: number,
  r: number,
  dilate: 0 | 1,
): void {
  let hits = 0; // pixels in the window equal to `dilate`
  for (let k = 0; k < Math.min(r, n); k++) if (src[start + k * step] === dilate) hits++;
  for (let i = 0; i < n; i++) {
    if (i + r < n && src[start + (i + r) * step] === dilate) hits++;
    if (i - r - 1 >= 0 && src[start + (i - r - 1) * step] === dilate) hits--;
    out[start + i * step] = hits > 0 ? dilate : 1 - dilate;
  }
}
