import sharp, { type Sharp } from 'sharp';
import { CytoclipError } from '@cytoclip/domain';
import type { RawImage } from './raw.js';

/** Default decode limit for uploaded/query images: 100 megapixels (whole sections go through openSection instead). */
export const DEFAULT_LIMIT_INPUT_PIXELS = 100_000_000;

export type ImageInput = Buffer | Uint8Array | string | RawImage;

export interface DecodeOptions {
  /** Refuse images with more pixels than this (CytoclipError 'image_too_large'); false for no limit. */
  limitInputPixels?: number | false;
}

export function isRawImage(input: unknown): input is RawImage {
  const r = input as RawImage;
  return (
    typeof r === 'object' &&
    r !== null &&
    r.data instanceof Uint8Array &&
    typeof r.width === 'number' &&
    r.channels === 3
  );
}

function describe(input: ImageInput): string {
  return typeof input === 'string' ? input : `${(input as Uint8Array).length}-byte buffer`;
}

/** Maps libvips' decode failures to errors a user can act on. */
export function decodeError(input: ImageInput, error: unknown): CytoclipError {
  const message = error instanceof Error ? error.message : String(error);
  const source = describe(input);
  if (/pixel limit/i.test(message)) {
    return new CytoclipError('image_too_large', `image ${source} exceeds the pixel limit`, {
      status: 413,
      detail: { source },
      cause: error,
    });
  }
  if (/ENOENT|no such file|does not exist|file is missing/i.test(message)) {
    return new CytoclipError('image_not_found', `image file not found: ${source}`, {
      status: 404,
      detail: { source },
      cause: error,
    });
  }
  return new CytoclipError('invalid_image', `not a readable image (${source}): ${message.split('\n')[0]}`, {
    status: 422,
    detail: { source },
    cause: error,
  });
}

/** A sharp pipeline over any input, strict about truncation, with the pixel limit applied. */
export function openImage(input: ImageInput, options: DecodeOptions = {}): Sharp {
  if (isRawImage(input)) return sharp(input.data, { raw: { width: input.width, height: input.height, channels: 3 } });
  const limitInputPixels = options.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS;
  return sharp(input as Buffer | string, { limitInputPixels, failOn: 'truncated', sequentialRead: true });
}

/** Decodes to 8-bit sRGB, alpha flattened onto `background`. */
export async function decodeImage(
  input: ImageInput,
  options: DecodeOptions & { background?: string } = {},
): Promise<RawImage> {
  if (isRawImage(input)) return input;
  try {
    const { data, info } = await flattenRgb(openImage(input, options), options.background)
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
      channels: 3,
    };
  } catch (error) {
    throw decodeError(input, error);
  }
}

/** Alpha onto white (glass), grey or CMYK to sRGB, always 3 channels. */
export function flattenRgb(pipeline: Sharp, background = '#ffffff'): Sharp {
  return pipeline.flatten({ background }).toColourspace('srgb').removeAlpha();
}
