import { open, lstat, mkdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CytoclipError } from '@cytoclip/domain';
import { needsVips } from './convert.js';
import { readPyramid } from './section.js';

/** TIFF compressions read in place: none, LZW, JPEG, deflate (Adobe and old). Others (JPEG 2000, …) are converted. */
const READABLE = new Map([
  [1, 'none'],
  [5, 'lzw'],
  [7, 'jpeg'],
  [8, 'deflate'],
  [32946, 'deflate'],
]);

const TAG_COMPRESSION = 259;
const TAG_TILE_WIDTH = 322;

export interface TiffLayout {
  /** Level 0 is stored in tiles (not strips): a region read decodes only the tiles it touches. */
  tiled: boolean;
  /** The TIFF Compression tag of level 0. */
  compression: number;
}

/** Level 0's tiling and compression from the first IFD's tags (classic TIFF and BigTIFF), or null for another file. */
export async function tiffLayout(path: string): Promise<TiffLayout | null> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(16);
    await file.read(head, 0, 16, 0);
    const order = head.toString('latin1', 0, 2);
    if (order !== 'II' && order !== 'MM') return null;
    const le = order === 'II';
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u64 = (b: Buffer, o: number) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
    const magic = u16(head, 2);
    if (magic !== 42 && magic !== 43) return null;
    const big = magic === 43;
    const ifd = big ? u64(head, 8) : u32(head, 4);
    const countBytes = Buffer.alloc(8);
    await file.read(countBytes, 0, big ? 8 : 2, ifd);
    const count = big ? u64(countBytes, 0) : u16(countBytes, 0);
    const entry = big ? 20 : 12;
    const entries = Buffer.alloc(Math.min(count, 4096) * entry);
    await file.read(entries, 0, entries.length, ifd + (big ? 8 : 2));
    let tiled = false;
    let compression = 1;
    for (let i = 0; i < entries.length; i += entry) {
      const tag = u16(entries, i);
      // Both tags are SHORT or LONG with one value, stored in the entry itself (first bytes of the value field).
      const type = u16(entries, i + 2);
      const at = i + (big ? 12 : 8);
      const value = type === 3 ? u16(entries, at) : u32(entries, at);
      if (tag === TAG_TILE_WIDTH) tiled = value > 0;
      else if (tag === TAG_COMPRESSION) compression = value;
    }
    return { tiled, compression };
  } finally {
    await file.close();
  }
}

/**
 * True when a section can be read where it lies instead of copied into DATA_DIR: a TIFF pyramid (pages or OME
 * sub-IFDs, more than one level), level 0 tiled, compressed with none, LZW, JPEG or deflate. These are exactly the
 * files the copy would only duplicate byte for byte.
 */
export async function readableInPlace(path: string): Promise<boolean> {
  if (needsVips(path)) return false;
  const layout = await tiffLayout(path).catch(() => null);
  if (!layout?.tiled || !READABLE.has(layout.compression)) return false;
  const pyramid = await readPyramid(path).catch(() => null);
  return pyramid !== null && pyramid.levels.length > 1;
}

/**
 * Puts a link to `src` (its absolute path) into the store under `<stem>.tif`, where a copy would go: the catalog keeps
 * a path inside DATA_DIR as for a copy, removing the section removes only the link, and the viewer follows it into
 * the atlas roots (the source folder must stay where it is). Written under a temporary name and renamed, like copies.
 */
export async function linkSectionInStore(src: string, destDir: string, stem: string): Promise<string> {
  if (!/^[\w.-]+$/.test(stem)) throw new CytoclipError('invalid_argument', `unsafe section file name: ${stem}`);
  await mkdir(destDir, { recursive: true });
  const dest = join(destDir, `${stem}.tif`);
  const target = resolve(src);
  const existing = await lstat(dest).catch(() => null);
  if (existing?.isSymbolicLink() && (await readlink(dest)) === target) return dest;
  const tmp = `${dest}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await symlink(target, tmp);
    await rename(tmp, dest);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return dest;
}
