import { CytoclipError } from '@cytoclip/domain';
import { decodeError, flattenRgb, isRawImage, openImage, type DecodeOptions, type ImageInput } from './decode.js';
import type { RawImage } from './raw.js';

export interface ModelInputOptions extends DecodeOptions {
  /** Edge of the square model input in pixels. */
  size: number;
  /** 'bicubic' is libvips' cubic kernel (Catmull-Rom); 'bilinear' its linear kernel. */
  resize: 'bicubic' | 'bilinear';
  /**
   * 'center': scale the short side to `size`, then cut the central size×size square (CLIP's rule).
   * 'none': scale the long side to `size` and pad the rest with `background` (keeps every pixel, e.g. a whole region).
   */
  crop: 'center' | 'none';
  /** Colour for transparent pixels and padding; default white (glass). */
  background?: string;
}

/** The geometry prepareModelInput applies, exposed so tests and other runtimes can reproduce it exactly. */
export function modelInputGeometry(width: number, height: number, size: number, crop: 'center' | 'none') {
  const scale = crop === 'center' ? size / Math.min(width, height) : size / Math.max(width, height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const resized = {
    width: crop === 'center' ? Math.max(w, size) : Math.min(w, size),
    height: crop === 'center' ? Math.max(h, size) : Math.min(h, size),
  };
  // Center crop offsets (floor, like torchvision's CenterCrop rounding of (L - size) / 2), or padding offsets.
  const left = Math.floor(Math.abs(resized.width - size) / 2);
  const top = Math.floor(Math.abs(resized.height - size) / 2);
  return { resized, left, top };
}

/**
 * The one resize of the platform: decode (any format sharp reads, or a RawImage), flatten alpha onto white,
 * resize and crop/pad to size×size RGB. The runtime calls it for every query image, the dataset builder and ingest
 * for every tile and region crop, so the model sees identically prepared pixels in training and in search.
 */
export async function prepareModelInput(input: ImageInput, options: ModelInputOptions): Promise<RawImage> {
  const { size } = options;
  if (!Number.isInteger(size) || size < 1)
    throw new CytoclipError('invalid_argument', `model input size must be a positive integer, got ${size}`);
  const background = options.background ?? '#ffffff';
  // Already at model size: nothing to resample (tiles cut at the grid's scale take this path).
  if (isRawImage(input) && input.width === size && input.height === size) return input;
  try {
    const pipeline = flattenRgb(openImage(input, options), background);
    const meta = isRawImage(input) ? input : await openImage(input, options).metadata();
    const { width, height } = orientedSize(meta);
    const { resized, left, top } = modelInputGeometry(width, height, size, options.crop);
    const kernel = options.resize === 'bicubic' ? 'cubic' : 'linear';
    let out = pipeline.autoOrient().resize({ width: resized.width, height: resized.height, fit: 'fill', kernel });
    if (options.crop === 'center') out = out.extract({ left, top, width: size, height: size });
    else
      out = out.extend({
        left,
        top,
        right: size - resized.width - left,
        bottom: size - resized.height - top,
        background,
      });
    const { data, info } = await out.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.width !== size || info.height !== size || info.channels !== 3)
      throw new Error(`unexpected output ${info.width}x${info.height}x${info.channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: size, height: size, channels: 3 };
  } catch (error) {
    if (error instanceof CytoclipError) throw error;
    throw decodeError(input, error);
  }
}

function orientedSize(meta: { width?: number; height?: number; orientation?: number }): {
  width: number;
  height: number;
} {
  if (!meta.width || !meta.height) throw new Error('image has no dimensions');
  // EXIF orientations 5–8 swap width and height once autoOrient() applies them.
  return (meta.orientation ?? 1) >= 5
    ? { width: meta.height, height: meta.width }
    : { width: meta.width, height: meta.height };
}
