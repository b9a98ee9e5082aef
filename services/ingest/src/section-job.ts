import { existsSync } from 'node:fs';
import { realpath, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import type {
  AnnotationInput,
  OutboxPoint,
  RegionImageInput,
  SectionBand,
  SectionInput,
  SectionResult,
  TileInput,
} from '@cytoclip/catalog';
import { CytoclipError, isInside, sectionCopiesDir, type SectionEntry } from '@cytoclip/domain';
import {
  copySectionToStore,
  cropRegionImages,
  linkSectionInStore,
  openSection,
  planTiles,
  readableInPlace,
  type SectionAnnotations,
  type SectionImage,
  type TilePlan,
} from '@cytoclip/slides';
import { checkSectionFiles, type AtlasFiles } from './atlas-files.js';
import { embedTiles } from './embed.js';
import type { FileHashes } from './hashes.js';
import { sectionSource } from './sources.js';
import type { RegionModel, TileModelGroup } from './models.js';
import { tileScale, tooCoarse } from './tile-scale.js';

export interface SectionContext {
  atlas: AtlasFiles;
  dataDir: string;
  tileGroups: TileModelGroup[];
  regionModels: RegionModel[];
  /** Region acronym -> ancestors root first, ending with itself (from the catalog's ontology). */
  regionPaths: Map<string, string[]>;
  maxSectionPixels: number;
  batchSize: number;
  /** Planned tiles per band: a band's tiles, vectors and points are all a section holds in memory at once. */
  bandTiles: number;
  /** A tiled pyramidal TIFF source of at least this many bytes is read in place (linked), not copied. */
  inPlaceMinBytes: number;
  /** Content hashes of the atlas's files (fingerprints, copy names). */
  hashes: FileHashes;
  /** Aborted when the process stops or the section's lease is lost: the work ends between batches. */
  signal?: AbortSignal;
  /** Called as tiles are embedded, for progress bars. */
  onTiles?: (count: number) => void;
  /** Called once the section is planned: its tiles, and those committed before (a resumed section). */
  onPlanned?: (planned: number, committed: number) => void;
}

/** Where the section's job stands, and how its work is committed (the lane binds these to the job and its lease). */
export interface SectionCommits {
  /** Bands committed by earlier attempts: the work resumes at the next. */
  bandsDone: number;
  /** The band size the job's first band fixed (null before it): a resumed section cuts the same bands. */
  bandTiles: number | null;
  /** Commits one band; false when the lease was lost (nothing written). */
  band(band: SectionBand): Promise<boolean>;
  /** Commits the last band with the section's own rows (annotations, region images, their points) and completion. */
  complete(result: SectionResult): Promise<boolean>;
}

/**
 * One section, start to finish: validate, put the image into DATA_DIR (a tiled pyramidal TIFF named by its content:
 * copied, converted, or linked where it already is one), plan its tiles, then cut, embed and commit them band by band
 * (bands of consecutive tile rows, at most `bandTiles` tiles unless one row is longer), each band in its own
 * transaction, starting after the bands an earlier attempt committed; the last band with its region images and the
 * job's completion. False when the lease was lost on the way.
 */
export async function processSection(
  ctx: SectionContext,
  entry: SectionEntry,
  commits: SectionCommits,
): Promise<boolean> {
  const { image: source, annotations } = await checkSectionFiles(ctx.atlas, entry);
  await checkPixels(source, entry, ctx.maxSectionPixels);
  const { imageHash, fingerprint } = await sectionSource(ctx.atlas, entry, ctx.hashes);
  ctx.signal?.throwIfAborted();
  const storeDir = sectionCopiesDir(ctx.dataDir, ctx.atlas.manifest.name);
  // Named by the image's bytes: a changed image gets a new copy, never the old one's pixels. One that exists was
  // written under a temporary name and renamed, so it is whole (an earlier run, another model): it is reused, and a
  // failure now must not remove it.
  const stem = `${entry.id}-${imageHash.slice(0, 16)}`;
  const dest = join(storeDir, `${stem}.tif`);
  const existed = existsSync(dest);
  const stored = existed ? dest : await storeSection(ctx, source, storeDir, stem);
  try {
    const image = await openSection(stored, { cacheDir: join(ctx.dataDir, 'cache', 'sections') });
    try {
      const section = sectionRow(entry, image, relative(ctx.dataDir, stored), fingerprint, ctx);
      return await embedSection(ctx, entry, annotations, image, section, commits);
    } finally {
      await image.close();
    }
  } catch (error) {
    // A failed section leaves nothing behind, not even its image, unless a band of it committed (a resumed job
    // needs its image where its rows point).
    if (!existed && commits.bandsDone === 0 && !commitsMade.has(commits)) await rm(stored, { force: true });
    throw error;
  }
}

/** Jobs that committed a band in this process (their image copy is then kept on failure). */
const commitsMade = new WeakSet<SectionCommits>();

/**
 * The store's file for a section: a link to the source where it is a big enough tiled pyramidal TIFF (copying would
 * only duplicate it; the atlas folder must then stay) lying under an atlas root (the viewer follows links only
 * there), else a copy or a converted pyramid.
 */
async function storeSection(ctx: SectionContext, source: string, storeDir: string, stem: string): Promise<string> {
  const { size } = await stat(source);
  if (size >= ctx.inPlaceMinBytes && (await underRoot(source, ctx.atlas.roots)) && (await readableInPlace(source)))
    return linkSectionInStore(source, storeDir, stem);
  return copySectionToStore(source, storeDir, stem);
}

async function underRoot(path: string, roots: string[]): Promise<boolean> {
  const real = await realpath(path);
  for (const root of roots) {
    const top = await realpath(root).catch(() => null);
    if (top !== null && isInside(real, top)) return true;
  }
  return false;
}

/** Refuses a section over the pixel limit from its header alone, before anything is decoded or copied. */
async function checkPixels(path: string, entry: SectionEntry, limit: number): Promise<void> {
  let width = 0;
  let height = 0;
  try {
    ({ width = 0, height = 0 } = await sharp(path, { limitInputPixels: false }).metadata());
  } catch (cause) {
    throw new CytoclipError(
      'invalid_image',
      `section ${entry.id}: ${path} is not a readable image (${(cause as Error).message})`,
      {
        status: 422,
        cause,
        detail: { section: entry.id, path },
      },
    );
  }
  if (width * height > limit)
    throw new CytoclipError(
      'image_too_large',
      `section ${entry.id} has ${width}x${height} pixels, over the limit of ${limit} (maxSectionPixels)`,
      {
        status: 413,
        detail: { section: entry.id, width, height, limit },
      },
    );
}

function sectionRow(
  entry: SectionEntry,
  image: SectionImage,
  imagePath: string,
  fingerprint: string,
  ctx: SectionContext,
): SectionInput {
  return {
    atlas: ctx.atlas.manifest.name,
    id: entry.id,
    specimen: entry.specimen,
    plane: entry.plane,
    index: entry.index,
    stain: entry.stain,
    micronsPerPixel: entry.micronsPerPixel,
    width: image.width,
    height: image.height,
    levels: image.levels.length,
    imagePath,
    fingerprint,
  };
}

/** One band: consecutive tile rows of one tile-model group. */
interface Band {
  group: TileModelGroup;
  tiles: TilePlan[];
  /** The band's tiles not already cut by an earlier group on the same grid (rows are written once). */
  rows: TilePlan[];
}

async function embedSection(
  ctx: SectionContext,
  entry: SectionEntry,
  annotations: SectionAnnotations | null,
  image: SectionImage,
  section: SectionInput,
  commits: SectionCommits,
): Promise<boolean> {
  const atlas = ctx.atlas.manifest.name;
  const specimen = ctx.atlas.manifest.specimens.find((s) => s.id === entry.specimen)!;
  const base = {
    kind: 'tile' as const,
    atlas,
    specimen: specimen.id,
    section: entry.id,
    plane: entry.plane,
    gestationalWeek: specimen.gestationalWeek,
  };
  const grids = ctx.tileGroups.map((g) => g.grid);
  // A section coarser than the grid is cut upsampled up to MAX_TILE_UPSAMPLE; beyond it this model cuts no tiles
  // (an annotated section still gets its region images, whose model takes any scale).
  if (
    !annotations &&
    grids.length > 0 &&
    grids.every((grid) => tileScale(entry.micronsPerPixel, grid) === 'too_coarse')
  )
    throw tooCoarse(entry.id, entry.micronsPerPixel, grids);
  const bandTiles = commits.bandTiles ?? ctx.bandTiles;
  const bands = await planBands(ctx, entry, annotations, image, bandTiles);
  const planned = bands.reduce((n, b) => n + b.rows.length, 0);
  ctx.onPlanned?.(
    planned,
    bands.slice(0, commits.bandsDone).reduce((n, b) => n + b.rows.length, 0),
  );
  // The last band commits with the region images and the job's completion: a section of one band (most of them) is
  // still one transaction, written whole or not at all, and a big one saves a commit.
  let last: { tiles: TileInput[]; points: OutboxPoint[] } = { tiles: [], points: [] };
  for (let index = commits.bandsDone; index < bands.length; index++) {
    ctx.signal?.throwIfAborted();
    const band = bands[index]!;
    const points: OutboxPoint[] = [];
    await embedTiles(image, band.tiles, band.group, {
      batchSize: ctx.batchSize,
      emit: (tile, model, vector) => {
        points.push({
          collection: model.collection,
          pointId: tile.id,
          atlas,
          vector,
          payload: { ...base, region: tile.region, regionPath: tile.region === null ? [] : pathOf(ctx, tile.region) },
        });
      },
      onTiles: ctx.onTiles,
      signal: ctx.signal,
    });
    const tiles = band.rows.map((t) => tileRow(atlas, entry.id, band.group, t));
    if (index === bands.length - 1) {
      last = { tiles, points };
      break;
    }
    const committed = await commits.band({
      section,
      index,
      bands: bands.length,
      bandTiles,
      tilesPlanned: planned,
      tiles,
      points,
    });
    if (!committed) return false;
    commitsMade.add(commits);
  }
  const points: OutboxPoint[] = last.points;
  const regionImages = annotations
    ? await embedRegions(ctx, entry, annotations, image, (id, region, model, vector) => {
        points.push({
          collection: model.collection,
          pointId: id,
          atlas,
          vector,
          payload: { ...base, kind: 'region', region, regionPath: pathOf(ctx, region) },
        });
      })
    : [];
  ctx.signal?.throwIfAborted();
  const geometry = annotations ? toGeoJson(annotations) : [];
  return commits.complete({ section, annotations: geometry, tiles: last.tiles, regionImages, points });
}

/**
 * Plans every tile group's tiles (from coarse tissue and label maps: a 64,000² section's plan is a few MB) and cuts
 * them into bands of whole tile rows, each holding at most `bandTiles` tiles unless one row holds more. The same
 * image, annotations, models and band size give the same bands, so a resumed job's band N is the killed one's.
 */
async function planBands(
  ctx: SectionContext,
  entry: SectionEntry,
  annotations: SectionAnnotations | null,
  image: SectionImage,
  bandTiles: number,
): Promise<Band[]> {
  const bands: Band[] = [];
  const written = new Set<string>();
  for (const group of ctx.tileGroups) {
    if (tileScale(entry.micronsPerPixel, group.grid) === 'too_coarse') continue;
    const plan = await planTiles(image, annotations, {
      atlas: ctx.atlas.manifest.name,
      section: entry.id,
      micronsPerPixel: entry.micronsPerPixel,
      grid: group.grid,
    });
    for (const tiles of bandsOfRows(keptTiles(plan.tiles, annotations !== null), bandTiles)) {
      // Two tile models on one grid (other input sizes) share their tile rows: the first group writes them.
      const rows = tiles.filter((t) => !written.has(t.id));
      for (const t of rows) written.add(t.id);
      bands.push({ group, tiles, rows });
    }
  }
  return bands;
}

/** Consecutive tile rows packed into bands of at most `limit` tiles (a longer row is a band of its own). */
export function bandsOfRows<T extends { row: number }>(tiles: T[], limit: number): T[][] {
  const bands: T[][] = [];
  let band: T[] = [];
  for (let i = 0; i < tiles.length;) {
    let j = i;
    while (j < tiles.length && tiles[j]!.row === tiles[i]!.row) j++;
    if (band.length > 0 && band.length + (j - i) > limit) {
      bands.push(band);
      band = [];
    }
    band.push(...tiles.slice(i, j));
    i = j;
  }
  if (band.length > 0) bands.push(band);
  return bands;
}

function tileRow(atlas: string, section: string, group: TileModelGroup, t: TilePlan): TileInput {
  return {
    id: t.id,
    atlas,
    section,
    x: t.x,
    y: t.y,
    size: group.grid.size,
    level0Size: t.box,
    micronsPerPixel: group.grid.micronsPerPixel,
    region: t.region,
    regionFraction: t.regionShare,
    tissueFraction: t.tissueFraction,
  };
}

/**
 * The planned tiles a section keeps. An unannotated section keeps all its tissue, region null. An annotated one keeps
 * the tiles some annotation dominates: its tissue outside every outline is left out, as before unannotated sections
 * existed. The annotators' outlines bound the tissue they vouch for (what lies outside is mostly torn edges, folds
 * and debris), and filing it as region null would mix that into the unannotated results of fully annotated atlases.
 */
export function keptTiles<T extends { region: string | null }>(tiles: T[], annotated: boolean): T[] {
  return annotated ? tiles.filter((t) => t.region !== null) : tiles;
}

async function embedRegions(
  ctx: SectionContext,
  entry: SectionEntry,
  annotations: SectionAnnotations,
  image: SectionImage,
  emit: (id: string, region: string, model: RegionModel, vector: Float32Array) => void,
): Promise<RegionImageInput[]> {
  const rows = new Map<string, RegionImageInput>();
  const atlas = ctx.atlas.manifest.name;
  for (const model of ctx.regionModels) {
    const { size, resize } = model.model.info.image;
    const crops = [];
    for await (const crop of cropRegionImages(image, annotations, { atlas, section: entry.id, size, resize }))
      crops.push(crop);
    for (let i = 0; i < crops.length; i += ctx.batchSize) {
      ctx.signal?.throwIfAborted();
      const batch = crops.slice(i, i + ctx.batchSize);
      const vectors = await model.model.embedImages(batch.map((c) => c.image));
      batch.forEach((c, k) => emit(c.id, c.region, model, vectors[k]!));
    }
    for (const c of crops) {
      const [x, y, width, height] = c.bbox;
      rows.set(c.id, {
        id: c.id,
        atlas,
        section: entry.id,
        region: c.region,
        x,
        y,
        width,
        height,
        area: c.area,
        imagePath: null,
      });
    }
  }
  return [...rows.values()];
}

function pathOf(ctx: SectionContext, region: string): string[] {
  const path = ctx.regionPaths.get(region);
  if (!path)
    throw new CytoclipError('unknown_region', `region ${region} is not in the catalog's ontology`, { status: 422 });
  return path;
}

/** The parsed polygons back to GeoJSON (level-0 px), the shape the catalog and the viewer keep. */
function toGeoJson(annotations: SectionAnnotations): AnnotationInput[] {
  return annotations.features.map((f) => {
    const polygons = f.polygons.map((rings) => rings.map((ring) => pairs(ring)));
    return polygons.length === 1
      ? { region: f.region, geometry: { type: 'Polygon', coordinates: polygons[0] } }
      : { region: f.region, geometry: { type: 'MultiPolygon', coordinates: polygons } };
  });
}

function pairs(ring: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < ring.length; i += 2) out.push([ring[i]!, ring[i + 1]!]);
  return out;
}
