import { CytoclipError, DEFAULT_TILE_GRID, tileId, tileKey, type TileGrid } from '@cytoclip/domain';
import type { SectionAnnotations } from './annotations.js';
import { rasteriseRegions, type LabelMap } from './raster.js';
import { cropRaw, rawImage, sharpFromRaw, type RawImage } from './raw.js';
import type { SectionImage } from './section.js';
import { detectTissue, type TissueMap, type TissueOptions } from './tissue.js';

/** One planned tile: where it is on level 0, its id, how much tissue it holds and which region dominates it. */
export interface TilePlan {
  id: string;
  key: string;
  /** Level-0 pixel position of the tile's top-left corner (the key's x, y). */
  x: number;
  y: number;
  /** Edge of the tile on level 0 (size × grid µm/px ÷ section µm/px, rounded). */
  box: number;
  col: number;
  row: number;
  /** Share of the tile's area that is tissue (glass and beyond-the-edge count as not). */
  tissueFraction: number;
  /** The region covering the largest share of the tile's tissue, or null when none of its tissue is annotated. */
  region: string | null;
  /** That region's share of the tile's tissue. */
  regionShare: number;
}

export interface TileGeometry {
  /** Exact level-0 edge of a tile: size × gridMpp / sectionMpp. */
  step: number;
  box: number;
  cols: number;
  rows: number;
}

/**
 * The grid of formats.md "Tiles": anchored at the level-0 origin, tile (col, row) at x = round(col × step),
 * y = round(row × step), edge round(step), covering the whole section (edge tiles run past it onto glass).
 */
export function tileGeometry(width: number, height: number, sectionMpp: number, grid: TileGrid): TileGeometry {
  if (!(sectionMpp > 0) || !(grid.micronsPerPixel > 0) || !(grid.size >= 1)) {
    throw new CytoclipError(
      'invalid_argument',
      `bad tile grid: section ${sectionMpp} µm/px, grid ${grid.size} px at ${grid.micronsPerPixel} µm/px`,
    );
  }
  const step = (grid.size * grid.micronsPerPixel) / sectionMpp;
  const box = Math.max(1, Math.round(step));
  return { step, box, cols: Math.ceil(width / step), rows: Math.ceil(height / step) };
}

export interface PlanOptions {
  /** Atlas name and section id, for tile ids. */
  atlas: string;
  section: string;
  /** The section's level-0 µm/px (atlas.json micronsPerPixel). */
  micronsPerPixel: number;
  grid?: TileGrid;
  /** Keep tiles with at least this tissue fraction; default 0.25. */
  minTissue?: number;
  /** Coarse-map pixels along a tile edge for tissue and labels; default 16. */
  samplesPerTile?: number;
  tissue?: TissueOptions;
}

export interface TilingPlan {
  tiles: TilePlan[];
  geometry: TileGeometry;
  grid: TileGrid;
  tissue: TissueMap;
  labels: LabelMap | null;
  /** All grid cells, kept or not. */
  cells: number;
}

/** Plans a section's tiles: grid, tissue fraction, dominant region. Background tiles are left out. */
export async function planTiles(
  section: SectionImage,
  annotations: SectionAnnotations | null,
  options: PlanOptions,
): Promise<TilingPlan> {
  const grid = options.grid ?? DEFAULT_TILE_GRID;
  const geometry = tileGeometry(section.width, section.height, options.micronsPerPixel, grid);
  const downsample = Math.max(1, geometry.step / (options.samplesPerTile ?? 16));
  const tissue = await detectTissue(section, downsample, options.tissue);
  const labels = annotations
    ? rasteriseRegions(annotations.features, { width: tissue.width, height: tissue.height, downsample })
    : null;
  const tiles = labelTiles(geometry, tissue, labels, { ...options, grid, minTissue: options.minTissue ?? 0.25 });
  return { tiles, geometry, grid, tissue, labels, cells: geometry.cols * geometry.rows };
}

/** The pure half of planTiles: tissue fraction and dominant region of every grid cell from coarse maps. */
export function labelTiles(
  geometry: TileGeometry,
  tissue: TissueMap,
  labels: LabelMap | null,
  options: { atlas: string; section: string; grid: TileGrid; minTissue: number },
): TilePlan[] {
  const tiles: TilePlan[] = [];
  const counts = new Float64Array((labels?.regions.length ?? 0) + 1);
  const d = tissue.downsample;
  for (let row = 0; row < geometry.rows; row++) {
    for (let col = 0; col < geometry.cols; col++) {
      const x = Math.round(col * geometry.step);
      const y = Math.round(row * geometry.step);
      // Coarse pixels whose centres fall inside the tile box.
      const px0 = Math.ceil(x / d - 0.5);
      const px1 = Math.ceil((x + geometry.box) / d - 0.5);
      const py0 = Math.ceil(y / d - 0.5);
      const py1 = Math.ceil((y + geometry.box) / d - 0.5);
      const area = Math.max(1, (px1 - px0) * (py1 - py0));
      counts.fill(0);
      let tissuePixels = 0;
      for (let py = py0; py < Math.min(py1, tissue.height); py++) {
        for (let px = px0; px < Math.min(px1, tissue.width); px++) {
          const i = py * tissue.width + px;
          if (!tissue.mask[i]) continue;
          tissuePixels++;
          if (labels) counts[labels.labels[i]!]!++;
        }
      }
      const tissueFraction = tissuePixels / area;
      if (tissueFraction < options.minTissue || tissuePixels === 0) continue;
      let best = 0; // label 0 (unannotated tissue) never dominates
      for (let k = 1; k < counts.length; k++) if (counts[k]! > (best ? counts[best]! : 0)) best = k;
      const region = best > 0 ? labels!.regions[best - 1]! : null;
      tiles.push({
        id: tileId(options.atlas, options.section, options.grid, x, y),
        key: tileKey(options.atlas, options.section, options.grid, x, y),
        x,
        y,
        box: geometry.box,
        col,
        row,
        tissueFraction,
        region,
        regionShare: region ? counts[best]! / tissuePixels : 0,
      });
    }
  }
  return tiles;
}

export interface CutOptions {
  /** Model input edge; default the grid size the plan was made for. */
  size: number;
  resize?: 'bicubic' | 'bilinear';
  batchSize?: number;
  /** Bands read ahead concurrently; default 2. */
  readAhead?: number;
}

export interface CutTile {
  tile: TilePlan;
  image: RawImage;
}

/**
 * Cuts planned tiles at model size, in batches. Reads bands of several tile rows from the pyramid level closest to
 * the grid's scale (never coarser), two bands decoding at once: a section's TIFF tiles (often 256 or 512 px, JPEG)
 * are then decoded about once, where a read per 112-px row decoded most of them two or three times. Where that
 * level's box is already `size` the tiles are sliced from the band as they are; otherwise the band (with a margin,
 * so kernels see real neighbours) is resampled to the grid's scale in one libvips call with the model's kernel and
 * the tiles sliced from it: one resize per band instead of one per tile, the same pixels a resampled section gives.
 */
export async function* cutTiles(
  section: SectionImage,
  tiles: TilePlan[],
  options: CutOptions,
): AsyncGenerator<CutTile[]> {
  if (tiles.length === 0) return;
  const box = tiles[0]!.box;
  const level = section.bestLevel(box / options.size);
  const ds = section.levels[level]!.downsample;
  const side = Math.max(1, Math.round(box / ds));
  const read = (band: TilePlan[][]) => readBand(section, band, level, ds, side, options);
  const bands = groupIntoBands(groupByRow(tiles), ds, side);
  const batchSize = options.batchSize ?? 32;
  let batch: CutTile[] = [];
  // Keep `readAhead` bands decoding at once: libvips decodes each on its own thread, so two use both cores.
  const readAhead = Math.max(1, options.readAhead ?? 2);
  const pending: Promise<Band>[] = [];
  let next = 0;
  const refill = () => {
    while (pending.length < readAhead && next < bands.length) {
      const band = read(bands[next++]!);
      // A read that fails while an earlier band is being sliced is reported when its turn comes, not as unhandled.
      band.catch(() => undefined);
      pending.push(band);
    }
  };
  for (let b = 0; b < bands.length; b++) {
    refill();
    const band = await pending.shift()!;
    refill();
    for (const tile of bands[b]!.flat()) {
      batch.push({ tile, image: sliceTile(band, tile, ds, options.size) });
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}

/**
 * Level pixels a band may span vertically, and its largest area (level pixels): 4096 rows, 16 Mpx (48 MB RGB).
 * Bands as large as memory allows: each read opens the file and re-decodes the source tiles its edges cut through,
 * so 1,024-row bands cost libvips twice the CPU of one read per demo section (1.7 → 0.8 CPU-s for 18 sections).
 */
const BAND_HEIGHT = 4096;
const BAND_PIXELS = 16 * 1024 * 1024;

/** Consecutive tile rows that fit in one band read (a row alone when it is larger). */
function groupIntoBands(rows: TilePlan[][], ds: number, side: number): TilePlan[][][] {
  const bands: TilePlan[][][] = [];
  let band: TilePlan[][] = [];
  let top = 0;
  let left = Infinity;
  let right = -Infinity;
  for (const row of rows) {
    const y = Math.round(row[0]!.y / ds);
    const l = Math.min(left, Math.round(row[0]!.x / ds));
    const r = Math.max(right, Math.round(row[row.length - 1]!.x / ds) + side);
    if (band.length > 0 && (y + side - top > BAND_HEIGHT || (r - l) * (y + side - top) > BAND_PIXELS)) {
      bands.push(band);
      band = [];
    }
    if (band.length === 0) {
      top = y;
      left = Math.round(row[0]!.x / ds);
      right = Math.round(row[row.length - 1]!.x / ds) + side;
    } else {
      left = l;
      right = r;
    }
    band.push(row);
  }
  if (band.length) bands.push(band);
  return bands;
}

/** Tile rows read from one level as one box, possibly resampled to model scale. */
interface Band {
  /** Level coordinates of the band's top-left corner (its leftmost tile, its first row). */
  x: number;
  y: number;
  /** Level pixels of margin read around the row (0 when not resampled). */
  margin: number;
  /** Resampled pixels per level pixel along x and y (1 when not resampled). */
  sx: number;
  sy: number;
  image: RawImage;
}

/** Level pixels read beyond a resampled row: a cubic kernel shrinking up to 2× reaches 4 source pixels. */
const MARGIN = 4;

async function readBand(
  section: SectionImage,
  rows: TilePlan[][],
  level: number,
  ds: number,
  side: number,
  options: CutOptions,
): Promise<Band> {
  const x = Math.min(...rows.map((row) => Math.round(row[0]!.x / ds)));
  const y = Math.round(rows[0]![0]!.y / ds);
  const width = Math.max(...rows.map((row) => Math.round(row[row.length - 1]!.x / ds))) + side - x;
  const height = Math.round(rows[rows.length - 1]![0]!.y / ds) + side - y;
  if (side === options.size)
    return { x, y, margin: 0, sx: 1, sy: 1, image: await section.readRegion(x, y, width, height, level) };
  const source = await section.readRegion(x - MARGIN, y - MARGIN, width + 2 * MARGIN, height + 2 * MARGIN, level);
  const scale = options.size / side;
  const out = { width: Math.round(source.width * scale), height: Math.round(source.height * scale) };
  const kernel = (options.resize ?? 'bicubic') === 'bicubic' ? 'cubic' : 'linear';
  const data = await sharpFromRaw(source)
    .resize({ ...out, fit: 'fill', kernel })
    .raw()
    .toBuffer();
  const image = rawImage(new Uint8Array(data.buffer, data.byteOffset, data.length), out.width, out.height);
  return { x, y, margin: MARGIN, sx: out.width / source.width, sy: out.height / source.height, image };
}

function sliceTile(band: Band, tile: TilePlan, ds: number, size: number): RawImage {
  const left = Math.round((Math.round(tile.x / ds) - band.x + band.margin) * band.sx);
  const top = Math.round((Math.round(tile.y / ds) - band.y + band.margin) * band.sy);
  const x = Math.max(0, Math.min(left, band.image.width - size));
  const y = Math.max(0, Math.min(top, band.image.height - size));
  return cropRaw(band.image, x, y, size, size);
}

function groupByRow(tiles: TilePlan[]): TilePlan[][] {
  const rows = new Map<number, TilePlan[]>();
  for (const t of [...tiles].sort((a, b) => a.y - b.y || a.x - b.x)) {
    const row = rows.get(t.y) ?? [];
    row.push(t);
    rows.set(t.y, row);
  }
  return [...rows.values()];
}
