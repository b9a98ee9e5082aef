import sharp from 'sharp';
import { readTiffDescription } from './tiff-tags.js';

/** 8-bit RGB at the model's input size: what the model embeds without another resize. */
export interface RgbTile {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

/** The scale of a tile model (model.json image.size and image.micronsPerPixel). */
export interface TileGridSpec {
  size: number;
  micronsPerPixel: number;
  resize: 'bicubic' | 'bilinear';
}

/** Where an upload's µm/px came from: the request, the file's own metadata, or nowhere. */
export type ScaleSource = 'request' | 'metadata' | 'unknown';

/** At most this many tiles of one upload are embedded (a 4096² upload at 0.25 µm/px would be 64 at 2 µm/px). */
export const MAX_UPLOAD_TILES = 64;

export interface UploadTiling {
  tiles: RgbTile[];
  width: number;
  height: number;
  micronsPerPixel: number | null;
  micronsPerPixelSource: ScaleSource;
  /** The model's µm/px the tiles were resampled to. */
  modelMicronsPerPixel: number;
  /** Upload pixels per model pixel edge: one tile covers size · scale upload pixels. */
  tileSideInUploadPixels: number;
  columns: number;
  rows: number;
  /** Tiles the whole grid would have held; more than `tiles.length` when capped. */
  gridTiles: number;
  capped: boolean;
  notes: string[];
}

const MICRONS_PER_INCH = 25_400;
/** A TIFF resolution outside this range is a screen default (72 dpi = 353 µm/px), not a microscope's scale. */
const PLAUSIBLE_MPP = { min: 0.01, max: 100 };

/** µm/px from OME-XML PhysicalSizeX (µm, nm or mm), else from a TIFF's resolution tags when plausible. */
export async function metadataMicronsPerPixel(bytes: Buffer): Promise<number | null> {
  const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  if (meta.format !== 'tiff') return null; // JPEG/PNG densities are screen settings, not a microscope's
  const ome = omePhysicalSize(readTiffDescription(bytes));
  if (ome !== null) return ome;
  // sharp reports density in pixels per inch whatever ResolutionUnit the file uses.
  if (!meta.density) return null;
  const mpp = MICRONS_PER_INCH / meta.density;
  return mpp >= PLAUSIBLE_MPP.min && mpp <= PLAUSIBLE_MPP.max ? mpp : null;
}

const UNIT_IN_MICRONS: Record<string, number> = { µm: 1, um: 1, μm: 1, nm: 0.001, mm: 1000 };

/** PhysicalSizeX of the first OME Pixels element, in µm; null when absent or in a unit we do not know. */
export function omePhysicalSize(description: string | null): number | null {
  if (!description || !description.includes('<OME')) return null;
  const pixels = /<(?:\w+:)?Pixels\b[^>]*>/.exec(description)?.[0];
  const size = pixels && /\bPhysicalSizeX="([^"]+)"/.exec(pixels)?.[1];
  if (!size) return null;
  const unit = /\bPhysicalSizeXUnit="([^"]+)"/.exec(pixels)?.[1] ?? 'µm';
  const factor = UNIT_IN_MICRONS[unit];
  const value = Number(size) * (factor ?? NaN);
  return Number.isFinite(value) && value > 0 ? value : null;
}

/** `count` window offsets from 0 to `extent - window`, evenly spread (the last window ends at the edge). */
export function spread(extent: number, window: number, count: number): number[] {
  if (count <= 1) return [Math.max(0, Math.floor((extent - window) / 2))];
  const last = Math.max(0, extent - window);
  return Array.from({ length: count }, (_, i) => Math.round((i * last) / (count - 1)));
}

/** Columns × rows under the cap, keeping the grid's aspect (tiles then spread with gaps between them). */
function cappedGrid(columns: number, rows: number, max: number): [number, number] {
  if (columns * rows <= max) return [columns, rows];
  const f = Math.sqrt(max / (columns * rows));
  let c = Math.max(1, Math.floor(columns * f));
  let r = Math.max(1, Math.floor(rows * f));
  c = Math.min(c, max);
  r = Math.min(r, Math.floor(max / c));
  return [c, r];
}

/**
 * Cuts an upload into tiles at the tile model's scale instead of centre-cropping it: with its µm/px known, a tile
 * covers size × model µm/px of tissue (224 µm for the bundled 112 px at 2 µm/px); unknown, the upload's short side is
 * taken as one tile (the model's own rule, said in `notes`). The grid covers the whole upload (tiles overlap at most
 * one tile to reach the far edges); beyond MAX_UPLOAD_TILES an evenly spread subset is used and `capped` says so.
 */
export async function tileUpload(
  bytes: Buffer,
  grid: TileGridSpec,
  requested: number | undefined,
  maxPixels: number,
): Promise<UploadTiling> {
  const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels })
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const fromFile = requested === undefined ? await metadataMicronsPerPixel(bytes) : null;
  const mpp = requested ?? fromFile;
  const source: ScaleSource = requested !== undefined ? 'request' : fromFile !== null ? 'metadata' : 'unknown';
  const notes: string[] = [];
  let side = mpp === null ? Math.min(width, height) : (grid.size * grid.micronsPerPixel) / mpp;
  if (mpp === null)
    notes.push(
      `µm/px unknown (give micronsPerPixel): the upload's short side was taken as one ${grid.size * grid.micronsPerPixel} µm tile`,
    );
  else if (side > Math.min(width, height)) {
    notes.push(
      `the upload covers less than one ${grid.size * grid.micronsPerPixel} µm tile at ${round(mpp)} µm/px: its short side was enlarged to one tile`,
    );
    side = Math.min(width, height);
  }
  const win = Math.max(1, Math.round(side));
  const fullColumns = Math.ceil(width / side - 1e-6);
  const fullRows = Math.ceil(height / side - 1e-6);
  const [columns, rows] = cappedGrid(fullColumns, fullRows, MAX_UPLOAD_TILES);
  const capped = columns * rows < fullColumns * fullRows;
  if (capped)
    notes.push(
      `${fullColumns * fullRows} tiles at the model's scale: ${columns * rows} (${columns} × ${rows}) evenly spread over the upload were used`,
    );
  const source8 = { data, width, height };
  const tiles: RgbTile[] = [];
  for (const y of spread(height, win, rows))
    for (const x of spread(width, win, columns)) tiles.push(await resampleWindow(source8, x, y, win, grid));
  return {
    tiles,
    width,
    height,
    micronsPerPixel: mpp,
    micronsPerPixelSource: source,
    modelMicronsPerPixel: grid.micronsPerPixel,
    tileSideInUploadPixels: round(side),
    columns,
    rows,
    gridTiles: fullColumns * fullRows,
    capped,
    notes,
  };
}

/** One win × win window of the decoded upload, resampled to the model's size with its kernel. */
async function resampleWindow(
  image: { data: Buffer; width: number; height: number },
  x: number,
  y: number,
  win: number,
  grid: TileGridSpec,
): Promise<RgbTile> {
  const w = Math.min(win, image.width - x);
  const h = Math.min(win, image.height - y);
  const kernel = grid.resize === 'bicubic' ? 'cubic' : 'linear';
  const out = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left: x, top: y, width: w, height: h })
    .resize({ width: grid.size, height: grid.size, fit: 'fill', kernel })
    .raw()
    .toBuffer();
  return {
    data: new Uint8Array(out.buffer, out.byteOffset, out.length),
    width: grid.size,
    height: grid.size,
    channels: 3,
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
