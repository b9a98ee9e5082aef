import { createHash } from 'node:crypto';
import { CytoclipError } from '@cytoclip/domain';
import sharp, { type Metadata } from 'sharp';
import { Lru } from './lru.js';

const ACCEPTED = new Set(['png', 'jpeg', 'tiff', 'webp']);
/**
 * The longer side may be at most this many times the shorter. The model centre-crops: it scales the shorter side to
 * its input size, so a 1×100000 strip would be resized to 224×22,400,000 (past libvips' 10M-pixel side) and says
 * nothing about cytoarchitecture anyway.
 */
export const MAX_ASPECT = 100;

type Checked = { width: number; height: number; format: string };
// Uploads already checked, by content: a search upload is checked by its route and again by the search service, and
// the full decode is the expensive part.
const checked = new Lru<string, Checked>(64);

/** Decodes a base64 image (a data: URL prefix is accepted) to bytes; a bad encoding is the caller's mistake. */
export function decodeBase64Image(value: string, field: string): Buffer {
  const body = value.startsWith('data:') ? value.slice(value.indexOf(',') + 1) : value;
  const clean = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean)) {
    throw new CytoclipError('invalid_base64', `${field} is not base64`, { detail: { field, message: 'not base64' } });
  }
  return Buffer.from(clean, 'base64');
}

/**
 * Checks that uploaded bytes are an image of an accepted format under the pixel limit, before any model sees them,
 * so a corrupt upload or a decompression bomb is a clear 4xx instead of a crash.
 */
export async function checkUpload(bytes: Buffer, maxPixels: number, field = 'image'): Promise<Checked> {
  if (bytes.length === 0)
    throw new CytoclipError('empty_image', `${field} is empty`, { detail: { field, message: 'empty' } });
  const key = `${maxPixels}:${createHash('sha256').update(bytes).digest('base64')}`;
  const known = checked.get(key);
  if (known) return known;
  const result = await checkNew(bytes, maxPixels, field);
  checked.set(key, result);
  return result;
}

async function checkNew(bytes: Buffer, maxPixels: number, field: string): Promise<Checked> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    if (looksLikeImage(bytes)) {
      throw new CytoclipError('corrupt_image', `${field} could not be decoded (corrupt or truncated)`, {
        detail: { field, message: 'corrupt or truncated' },
        cause: error,
      });
    }
    throw new CytoclipError('not_an_image', `${field} is not a readable image (PNG, JPEG, TIFF or WebP)`, {
      status: 415,
      detail: { field, message: 'not an image' },
      cause: error,
    });
  }
  const { width, height, format } = meta;
  if (!format || !ACCEPTED.has(format) || !width || !height) {
    throw new CytoclipError(
      'unsupported_image',
      `${field} has unsupported format ${format ?? 'unknown'}; use PNG, JPEG, TIFF or WebP`,
      {
        status: 415,
        detail: { field, message: 'unsupported format' },
      },
    );
  }
  if (width * height > maxPixels) {
    throw new CytoclipError(
      'image_too_large',
      `${field} is ${width}x${height} pixels; the limit is ${maxPixels} pixels`,
      {
        status: 413,
        detail: { field, message: 'too many pixels' },
      },
    );
  }
  if (Math.max(width, height) > MAX_ASPECT * Math.min(width, height)) {
    throw new CytoclipError(
      'image_too_thin',
      `${field} is ${width}x${height} pixels; its longer side may be at most ${MAX_ASPECT} times the shorter`,
      { status: 422, detail: { field, message: 'too thin' } },
    );
  }
  try {
    // Decode fully once: a truncated file passes metadata() but fails here. The decoder's own words stay in the
    // cause (logs), not in the answer.
    await sharp(bytes, { limitInputPixels: maxPixels }).raw().toBuffer();
  } catch (error) {
    throw new CytoclipError('corrupt_image', `${field} could not be decoded (corrupt or truncated)`, {
      detail: { field, message: 'corrupt or truncated' },
      cause: error,
    });
  }
  return { width, height, format };
}

/** Magic numbers of the accepted formats: a file that starts like one but does not parse is corrupt, not foreign. */
function looksLikeImage(bytes: Buffer): boolean {
  const hex = bytes.subarray(0, 4).toString('hex');
  return (
    hex.startsWith('89504e47') ||
    hex.startsWith('ffd8ff') ||
    hex === '49492a00' ||
    hex === '4d4d002a' ||
    (hex === '52494646' && bytes.subarray(8, 12).toString() === 'WEBP')
  );
}
