import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { CytoclipError } from '@cytoclip/domain';
import { decodeError } from './decode.js';

const run = promisify(execFile);

/** Whole-slide formats sharp's libvips cannot read; Debian's `vips` (built with OpenSlide) converts them. */
export const VIPS_ONLY_EXTENSIONS = ['.svs', '.ndpi', '.mrxs', '.vms', '.vmu', '.scn', '.bif', '.jp2', '.j2k'];

export function dataDir(): string {
  return resolve(process.env.DATA_DIR ?? './data');
}

export function defaultCacheDir(): string {
  return join(dataDir(), 'cache', 'sections');
}

export function needsVips(path: string): boolean {
  return VIPS_ONLY_EXTENSIONS.includes(extname(path).toLowerCase());
}

/** Options of every tiled pyramidal TIFF the platform writes (JPEG tiles: ~10× smaller than deflate on NISSL). */
export interface PyramidOptions {
  quality?: number;
  tileSize?: number;
}

/** Writes `src` as a tiled pyramidal JPEG TIFF at `dest`, through a temporary file renamed into place. */
export async function writePyramid(src: string, dest: string, options: PyramidOptions = {}): Promise<void> {
  const tmp = `${dest}.${randomBytes(4).toString('hex')}.tmp.tif`;
  const quality = options.quality ?? 90;
  const tile = options.tileSize ?? 256;
  try {
    if (needsVips(src)) await vipsPyramid(src, tmp, quality, tile);
    else await sharpPyramid(src, tmp, quality, tile);
    await rename(tmp, dest);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

async function sharpPyramid(src: string, tmp: string, quality: number, tile: number): Promise<void> {
  try {
    const meta = await sharp(src, { limitInputPixels: false }).metadata();
    // BigTIFF past ~1.5 G pixels so the 4 GiB offsets of classic TIFF can never overflow.
    const bigtiff = (meta.width ?? 0) * (meta.height ?? 0) > 1.5e9;
    await sharp(src, { limitInputPixels: false, failOn: 'truncated' })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .tiff({ tile: true, pyramid: true, compression: 'jpeg', quality, tileWidth: tile, tileHeight: tile, bigtiff })
      .toFile(tmp);
  } catch (error) {
    throw decodeError(src, error);
  }
}

let vipsChecked: boolean | undefined;

export async function hasVips(): Promise<boolean> {
  if (vipsChecked === undefined) {
    vipsChecked = await run('vips', ['--version']).then(
      () => true,
      () => false,
    );
  }
  return vipsChecked;
}

async function vipsPyramid(src: string, tmp: string, quality: number, tile: number): Promise<void> {
  if (!(await hasVips())) {
    throw new CytoclipError(
      'unsupported_format',
      `${basename(src)}: ${extname(src)} slides need the 'vips' command built with OpenSlide (Debian: apt-get install libvips-tools)`,
      { status: 415, detail: { source: src } },
    );
  }
  const args = ['tiffsave', src, tmp, '--tile', '--pyramid', '--compression', 'jpeg', '-Q', String(quality)];
  args.push('--tile-width', String(tile), '--tile-height', String(tile), '--bigtiff');
  try {
    await run('vips', args, { maxBuffer: 1 << 20 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new CytoclipError(
      'invalid_image',
      `vips could not convert ${basename(src)}: ${stderr.trim().split('\n')[0]}`,
      {
        status: 422,
        detail: { source: src },
        cause: error,
      },
    );
  }
}

/** The cached pyramid of `src` (converted once; the key follows the file's path, size and mtime). */
export async function cachedPyramid(src: string, cacheDir = defaultCacheDir()): Promise<string> {
  const info = await stat(src).catch((error: unknown) => {
    throw new CytoclipError('image_not_found', `section image not found: ${src}`, {
      status: 404,
      detail: { source: src },
      cause: error,
    });
  });
  const key = createHash('sha256')
    .update(`${resolve(src)}\0${info.size}\0${info.mtimeMs}`)
    .digest('hex')
    .slice(0, 24);
  const dest = join(cacheDir, `${key}.tif`);
  if (existsSync(dest)) return dest;
  await mkdir(cacheDir, { recursive: true });
  await writePyramid(src, dest);
  return dest;
}
