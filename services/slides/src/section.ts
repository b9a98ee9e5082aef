import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import sharp, { type Sharp } from 'sharp';
import { CytoclipError } from '@cytoclip/domain';
import { cachedPyramid, defaultCacheDir, needsVips, writePyramid } from './convert.js';
import { decodeError } from './decode.js';
import { rawImage, type RawImage } from './raw.js';

export interface SectionLevel {
  width: number;
  height: number;
  /** Level-0 pixels per pixel of this level (1 for level 0). */
  downsample: number;
}

/** An open section image: a pyramid of levels with random region reads. */
export interface SectionImage {
  /** The file actually read (the source itself, or its cached pyramid). */
  path: string;
  width: number;
  height: number;
  levels: SectionLevel[];
  /**
   * RGB pixels of the w×h box at (x, y), all in `level`'s own pixel coordinates. Parts outside the image are white
   * (glass), so edge tiles come back whole.
   */
  readRegion(x: number, y: number, w: number, h: number, level?: number): Promise<RawImage>;
  /** The level with the largest downsample not above `downsample` (level 0 when none is). */
  bestLevel(downsample: number): number;
  close(): Promise<void>;
}

export interface OpenSectionOptions {
  /** Refuse sections with more level-0 pixels than this (CytoclipError 'image_too_large'); default no limit. */
  limitInputPixels?: number | false;
  /** Where converted pyramids of non-pyramidal sources are kept; default DATA_DIR/cache/sections. */
  cacheDir?: string;
}

/** Where a level lives in the TIFF: a page, or an OME sub-IFD of page 0. */
export type PyramidSource = { page: number } | { subifd: number };
type Source = PyramidSource;

export interface Pyramid {
  levels: SectionLevel[];
  sources: Source[];
}

/**
 * Reads the pyramid structure of a TIFF: OME-style sub-IFDs, or successive pages that shrink (sharp/libvips
 * pyramids). A single-level TIFF is a pyramid of one level; anything else is null.
 */
export async function readPyramid(path: string): Promise<Pyramid | null> {
  const meta = await sharp(path, { limitInputPixels: false }).metadata();
  if (meta.format !== 'tiff' || !meta.width || !meta.height) return null;
  const base = { width: meta.width, height: meta.height, downsample: 1 };
  const subifds = meta.subifds ?? 0;
  if (subifds > 0) {
    const levels = [base];
    const sources: Source[] = [{ page: 0 }];
    for (let i = 0; i < subifds; i++) {
      const m = await sharp(path, { limitInputPixels: false, tiff: { subifd: i } }).metadata();
      levels.push({ width: m.width!, height: m.height!, downsample: meta.width / m.width! });
      sources.push({ subifd: i });
    }
    return { levels, sources };
  }
  const pages = meta.pages ?? 1;
  const levels = [base];
  const sources: Source[] = [{ page: 0 }];
  for (let page = 1; page < pages; page++) {
    const m = await sharp(path, { limitInputPixels: false, page }).metadata();
    const previous = levels[levels.length - 1]!;
    // Pages that do not shrink (channels, z-planes, a label image) end the pyramid.
    if (
      !m.width ||
      !m.height ||
      m.width >= previous.width ||
      Math.abs(m.width / m.height - base.width / base.height) > 0.05 * (base.width / base.height)
    )
      break;
    levels.push({ width: m.width, height: m.height, downsample: meta.width / m.width });
    sources.push({ page });
  }
  return { levels, sources };
}

const isPyramid = (p: Pyramid | null): p is Pyramid => p !== null && p.levels.length > 1;

function checkLimit(path: string, width: number, height: number, limit: number | false | undefined): void {
  if (limit !== undefined && limit !== false && width * height > limit) {
    throw new CytoclipError(
      'image_too_large',
      `section ${basename(path)} has ${width}x${height} pixels, over the limit of ${limit}`,
      {
        status: 413,
        detail: { source: path, width, height, limit },
      },
    );
  }
}

/**
 * Opens a section image. Tiled pyramidal TIFF (pages or OME sub-IFDs, BigTIFF too) is read in place; plain TIFF,
 * JPEG, PNG and the like are converted once to a tiled pyramidal TIFF in the cache (PNG random reads are ~1000×
 * slower); SVS/NDPI/MRXS go through Debian's `vips` where it exists.
 */
export async function openSection(path: string, options: OpenSectionOptions = {}): Promise<SectionImage> {
  let pyramid: Pyramid | null = null;
  let file = path;
  try {
    if (!needsVips(path)) pyramid = await readPyramid(path);
  } catch (error) {
    throw decodeError(path, error);
  }
  if (!isPyramid(pyramid)) {
    if (!needsVips(path)) await probe(path, options.limitInputPixels);
    file = await cachedPyramid(path, options.cacheDir ?? defaultCacheDir());
    // A small image may convert to a single level; every level is tiled, so that is fine.
    pyramid = await readPyramid(file);
    if (!pyramid)
      throw new CytoclipError('invalid_image', `could not build a pyramid for ${basename(path)}`, { status: 422 });
  }
  const base = pyramid.levels[0]!;
  checkLimit(path, base.width, base.height, options.limitInputPixels);
  return pyramidSection(file, pyramid);
}

async function probe(path: string, limit: number | false | undefined): Promise<void> {
  try {
    const meta = await sharp(path, { limitInputPixels: false }).metadata();
    checkLimit(path, meta.width ?? 0, meta.height ?? 0, limit);
  } catch (error) {
    if (error instanceof CytoclipError) throw error;
    throw decodeError(path, error);
  }
}

function pyramidSection(path: string, { levels, sources }: Pyramid): SectionImage {
  const base = levels[0]!;
  return {
    path,
    width: base.width,
    height: base.height,
    levels,
    bestLevel(downsample: number): number {
      let best = 0;
      levels.forEach((level, i) => {
        if (level.downsample <= downsample * 1.001) best = i;
      });
      return best;
    },
    readRegion: (x, y, w, h, level = 0) => readLevelRegion(path, sources, levels, level, x, y, w, h),
    async close() {
      // sharp opens the file per read; nothing is held between reads.
    },
  };
}

type FailOn = 'warning' | 'error';

/** A sharp pipeline over one level of a pyramid (the page or sub-IFD `source` names). */
export function levelPipeline(path: string, source: Source, failOn: FailOn = 'warning'): Sharp {
  const options = 'page' in source ? { page: source.page } : { tiff: { subifd: source.subifd } };
  return sharp(path, { limitInputPixels: false, failOn, ...options });
}

/**
 * libtiff reports a damaged tile (bad deflate or JPEG data) only as a warning, and libvips then returns wrong
 * pixels silently; so reads are strict, and only a warning that is not about damaged data (an unknown tag, say)
 * earns a lenient second read.
 */
const DAMAGE =
  /decod|incorrect header|corrupt|truncat|premature|read error|invalid|bad|zlib|lzw|jpeg|huffman|unexpected end/i;

async function readLevelRegion(
  path: string,
  sources: Source[],
  levels: SectionLevel[],
  level: number,
  x: number,
  y: number,
  w: number,
  h: number,
): Promise<RawImage> {
  const info = levels[level];
  if (!info)
    throw new CytoclipError('invalid_argument', `level ${level} does not exist (section has ${levels.length})`);
  if (!(w > 0 && h > 0) || ![x, y, w, h].every(Number.isInteger)) {
    throw new CytoclipError(
      'invalid_argument',
      `region must be whole pixels with a positive size, got ${x},${y} ${w}x${h}`,
    );
  }
  const box = {
    left: Math.max(0, x),
    top: Math.max(0, y),
    right: Math.min(info.width, x + w),
    bottom: Math.min(info.height, y + h),
  };
  if (box.right <= box.left || box.bottom <= box.top) return rawImage(new Uint8Array(w * h * 3).fill(255), w, h);
  const read = async (failOn: FailOn) => {
    let pipeline = levelPipeline(path, sources[level]!, failOn).extract({
      left: box.left,
      top: box.top,
      width: box.right - box.left,
      height: box.bottom - box.top,
    });
    if (box.left !== x || box.top !== y || box.right !== x + w || box.bottom !== y + h) {
      pipeline = pipeline.extend({
        left: box.left - x,
        top: box.top - y,
        right: x + w - box.right,
        bottom: y + h - box.bottom,
        background: '#ffffff',
      });
    }
    const { data } = await pipeline
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return rawImage(new Uint8Array(data.buffer, data.byteOffset, data.length), w, h);
  };
  try {
    return await read('warning');
  } catch (strict) {
    if (DAMAGE.test(strict instanceof Error ? strict.message : String(strict))) throw decodeError(path, strict);
    try {
      return await read('error');
    } catch (error) {
      throw decodeError(path, error);
    }
  }
}

/**
 * Copies a section into the platform's store as a tiled pyramidal TIFF (so the viewer keeps working when the atlas
 * folder moves). A source that already is one is copied byte for byte; anything else is converted.
 */
export async function copySectionToStore(src: string, destDir: string, name?: string): Promise<string> {
  const stem = name ?? basename(src, extname(src));
  if (!/^[\w.-]+$/.test(stem)) throw new CytoclipError('invalid_argument', `unsafe section file name: ${stem}`);
  await mkdir(destDir, { recursive: true });
  const dest = join(destDir, `${stem}.tif`);
  const pyramid = needsVips(src)
    ? null
    : await readPyramid(src).catch((error: unknown) => Promise.reject(decodeError(src, error)));
  if (!isPyramid(pyramid)) {
    await writePyramid(src, dest);
    return dest;
  }
  const tmp = `${dest}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await copyFile(src, tmp);
    await rename(tmp, dest);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return dest;
}
