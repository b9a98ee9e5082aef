import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import type { AnnotationInput, OutboxPoint, RegionImageInput, SectionResult, TileInput } from '@cytoclip/catalog';
import { CytoclipError, sectionCopiesDir, type SectionEntry } from '@cytoclip/domain';
import {
  copySectionToStore,
  cropRegionImages,
  openSection,
  planTiles,
  type SectionAnnotations,
  type SectionImage,
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
  /** Content hashes of the atlas's files (fingerprints, copy names). */
  hashes: FileHashes;
  /** Aborted when the process stops or the section's lease is lost: the work ends between batches. */
  signal?: AbortSignal;
  /** Called as tiles are embedded, for progress bars. */
  onTiles?: (count: number) => void;
}

/**
 * One section, start to finish, with nothing written to the stores: validate, copy the image into DATA_DIR as a
 * tiled pyramidal TIFF named by its content, tile, label, crop, embed. The caller commits the result in one transaction.
 */
export async function processSection(ctx: SectionContext, entry: SectionEntry): Promise<SectionResult> {
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
  const stored = existed ? dest : await copySectionToStore(source, storeDir, stem);
  try {
    const image = await openSection(stored, { cacheDir: join(ctx.dataDir, 'cache', 'sections') });
    try {
      const result = await embedSection(ctx, entry, annotations, image, relative(ctx.dataDir, stored));
      result.section.fingerprint = fingerprint;
      return result;
    } finally {
      await image.close();
    }
  } catch (error) {
    if (!existed) await rm(stored, { force: true }); // a failed section leaves nothing behind, not even its image
    throw error;
  }
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
      `section ${entry.id} has ${width}x${height} pixels, over the limit of ${limit}`,
      {
        status: 413,
        detail: { section: entry.id, width, height, limit },
      },
    );
}

async function embedSection(
  ctx: SectionContext,
  entry: SectionEntry,
  annotations: SectionAnnotations | null,
  image: SectionImage,
  imagePath: string,
): Promise<SectionResult> {
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
  const tiles: TileInput[] = [];
  const points: OutboxPoint[] = [];
  const grids = ctx.tileGroups.map((g) => g.grid);
  for (const group of ctx.tileGroups) {
    // A section coarser than the grid is cut upsampled up to MAX_TILE_UPSAMPLE; beyond it this model cuts no tiles
    // (an annotated section still gets its region images, whose model takes any scale).
    if (tileScale(entry.micronsPerPixel, group.grid) === 'too_coarse') continue;
    const plan = await planTiles(image, annotations, {
      atlas,
      section: entry.id,
      micronsPerPixel: entry.micronsPerPixel,
      grid: group.grid,
    });
    const planned = keptTiles(plan.tiles, annotations !== null);
    for (const t of planned) {
      tiles.push({
        id: t.id,
        atlas,
        section: entry.id,
        x: t.x,
        y: t.y,
        size: group.grid.size,
        level0Size: t.box,
        micronsPerPixel: group.grid.micronsPerPixel,
        region: t.region,
        regionFraction: t.regionShare,
        tissueFraction: t.tissueFraction,
      });
    }
    ctx.signal?.throwIfAborted();
    await embedTiles(image, planned, group, {
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
  }
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
  if (
    !annotations &&
    grids.length > 0 &&
    grids.every((grid) => tileScale(entry.micronsPerPixel, grid) === 'too_coarse')
  )
    throw tooCoarse(entry.id, entry.micronsPerPixel, grids);
  const section = {
    atlas,
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
  };
  const geometry = annotations ? toGeoJson(annotations) : [];
  return { section, annotations: geometry, tiles: dedupe(tiles), regionImages, points };
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

/** Two tile models on one grid share their tile rows. */
function dedupe(tiles: TileInput[]): TileInput[] {
  return [...new Map(tiles.map((t) => [t.id, t])).values()];
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
