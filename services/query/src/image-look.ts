import sharp from 'sharp';

/**
 * Cheap pixel statistics that tell a photographed stained section from things that are not one. Thresholds are set
 * from what the image kinds are, not fitted on any image set: a microscope photograph or scan has sensor noise and
 * continuous tones (thousands of distinct colours even in a 256-px sample, and never one colour almost everywhere),
 * while a segmentation mask, label map or drawing has a handful of exact colours, and a blank field one.
 */
export interface ImageLook {
  /** Distinct RGB colours in a nearest-neighbour sample of at most 256 × 256 px. */
  colours: number;
  /** Share of sampled pixels within ±6 grey levels of the most common grey level. */
  flatShare: number;
}

/** At most this many distinct colours: a mask, label map or drawing. */
export const MAX_MASK_COLOURS = 16;
/** At least this share of pixels at one grey level: a flat field with no tissue to compare. */
export const MIN_FLAT_SHARE = 0.98;
const FLAT_TOLERANCE = 6;

/** The statistics, with the upload's own size (oriented as stored). */
export async function imageLook(
  bytes: Buffer,
  maxPixels: number,
): Promise<ImageLook & { width: number; height: number }> {
  const meta = await sharp(bytes, { limitInputPixels: maxPixels }).metadata();
  const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels })
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .toColourspace('srgb')
    .resize({ width: 256, height: 256, fit: 'inside', withoutEnlargement: true, kernel: 'nearest' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const colours = new Set<number>();
  const grey = new Uint32Array(256);
  for (let p = 0; p < n; p++) {
    const [r, g, b] = [data[p * 3]!, data[p * 3 + 1]!, data[p * 3 + 2]!];
    colours.add((r << 16) | (g << 8) | b);
    grey[Math.round(0.299 * r + 0.587 * g + 0.114 * b)]! += 1;
  }
  const mode = grey.indexOf(Math.max(...grey));
  let near = 0;
  for (let v = Math.max(0, mode - FLAT_TOLERANCE); v <= Math.min(255, mode + FLAT_TOLERANCE); v++) near += grey[v]!;
  return { colours: colours.size, flatShare: near / n, width: meta.width ?? 0, height: meta.height ?? 0 };
}

/** Why the pixels do not look like a stained section, or none. */
export function lookReasons(look: ImageLook): string[] {
  const reasons: string[] = [];
  if (look.colours <= MAX_MASK_COLOURS)
    reasons.push(
      `only ${look.colours} distinct colour${look.colours === 1 ? '' : 's'}: a mask, label map or drawing, not a photographed stained section`,
    );
  else if (look.flatShare >= MIN_FLAT_SHARE)
    reasons.push(`${Math.round(look.flatShare * 100)} % of the image is one flat colour: no stained tissue to compare`);
  return reasons;
}
