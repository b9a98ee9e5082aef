import { realpath } from 'node:fs/promises';
import { atlasRootsFromEnv, CytoclipError, isInside } from '@cytoclip/domain';
import { levelPipeline, readPyramid, type Pyramid } from '@cytoclip/slides';

/** Deep Zoom geometry: 254-px tiles with a 1-px overlap, as OpenSeadragon expects by default. */
export const DZI_TILE = 254;
export const DZI_OVERLAP = 1;

export type ImageFormat = 'png' | 'jpeg';

const pyramids = new Map<string, Promise<Pyramid>>();

/** The stored section's pyramid (slides' reader: shrinking pages or OME sub-IFDs), read once per path. */
async function pyramid(path: string): Promise<Pyramid> {
  let found = pyramids.get(path);
  if (!found) {
    found = readStoredPyramid(path);
    pyramids.set(path, found);
    found.catch(() => pyramids.delete(path));
  }
  return found;
}

async function readStoredPyramid(path: string): Promise<Pyramid> {
  const found = await readPyramid(path).catch((error: unknown) => {
    throw unreadable(error);
  });
  if (!found) throw unreadable(null);
  return found;
}

function unreadable(cause: unknown): CytoclipError {
  return new CytoclipError('section_image_unreadable', 'the stored section image could not be read', {
    status: 500,
    cause,
  });
}

/**
 * Reads a level-0 rectangle and returns it at `outWidth` x `outHeight`, from the smallest pyramid level that still has
 * enough pixels, so zoomed-out views never decode level 0.
 */
export async function readRegion(
  path: string,
  rect: { left: number; top: number; width: number; height: number },
  out: { width: number; height: number },
  format: ImageFormat,
): Promise<Buffer> {
  const { levels, sources } = await pyramid(path);
  const wanted = rect.width / out.width;
  let level = 0;
  for (let i = 1; i < levels.length; i++) if (levels[i]!.downsample <= wanted + 1e-9) level = i;
  const p = levels[level]!;
  const scale = p.width / levels[0]!.width;
  const left = Math.min(p.width - 1, Math.floor(rect.left * scale));
  const top = Math.min(p.height - 1, Math.floor(rect.top * scale));
  const width = Math.max(1, Math.min(p.width - left, Math.round(rect.width * scale)));
  const height = Math.max(1, Math.min(p.height - top, Math.round(rect.height * scale)));
  let image = levelPipeline(path, sources[level]!).extract({ left, top, width, height });
  if (width !== out.width || height !== out.height) image = image.resize(out.width, out.height, { fit: 'fill' });
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 85 }).toBuffer();
}

const confined = new Map<string, Promise<string>>();

/**
 * The stored section image, only where it really lies inside DATA_DIR (symlinks resolved): images are served from
 * the copies ingest writes there, never from a path a catalog row could point anywhere else. A section read in place
 * (ingest links a big tiled pyramidal TIFF instead of copying it) may lie in an atlas root (CYTOCLIP_ATLAS_ROOTS, else
 * DATA_DIR/atlases), where ingest confined it. Checked once per path.
 */
export function storedSectionImage(dataDir: string, path: string): Promise<string> {
  let found = confined.get(path);
  if (!found) {
    found = confine(dataDir, path);
    confined.set(path, found);
    found.catch(() => confined.delete(path));
  }
  return found;
}

async function confine(dataDir: string, path: string): Promise<string> {
  const allowed = [dataDir, ...atlasRootsFromEnv(process.env, dataDir)];
  const [real, ...roots] = await Promise.all([path, ...allowed].map((p) => realpath(p).catch(() => null)));
  if (real && roots.some((root) => root !== null && isInside(real, root))) return real;
  throw new CytoclipError(
    'section_image_unavailable',
    'the stored section image is missing or outside DATA_DIR and the atlas roots',
    {
      status: 500,
    },
  );
}

export async function sectionSize(path: string): Promise<{ width: number; height: number }> {
  const { width, height } = (await pyramid(path)).levels[0]!;
  return { width, height };
}

export function dziXml(width: number, height: number): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="jpeg" Overlap="${DZI_OVERLAP}" TileSize="${DZI_TILE}">` +
    `<Size Width="${width}" Height="${height}"/></Image>\n`
  );
}

/** The level-0 rectangle and output size of one Deep Zoom tile, or null when it lies outside the image. */
export function dziTileRect(width: number, height: number, level: number, col: number, row: number) {
  const maxLevel = Math.ceil(Math.log2(Math.max(width, height)));
  if (level < 0 || level > maxLevel) return null;
  const scale = 2 ** (maxLevel - level);
  const levelW = Math.ceil(width / scale);
  const levelH = Math.ceil(height / scale);
  const x = col * DZI_TILE - (col > 0 ? DZI_OVERLAP : 0);
  const y = row * DZI_TILE - (row > 0 ? DZI_OVERLAP : 0);
  if (x >= levelW || y >= levelH || col < 0 || row < 0) return null;
  const w = Math.min(DZI_TILE + (col > 0 ? 1 : 0) * DZI_OVERLAP + DZI_OVERLAP, levelW - x);
  const h = Math.min(DZI_TILE + (row > 0 ? 1 : 0) * DZI_OVERLAP + DZI_OVERLAP, levelH - y);
  const left = x * scale;
  const top = y * scale;
  return {
    rect: { left, top, width: Math.min(w * scale, width - left), height: Math.min(h * scale, height - top) },
    out: { width: w, height: h },
  };
}
