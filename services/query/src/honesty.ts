import { imageLook, lookReasons, type ImageLook } from './image-look.js';
import type { QueryModel, QueryVectors } from './ports.js';
import { MAX_UPLOAD_TILES, tileUpload, type ScaleSource, type TileGridSpec } from './upload.js';

/** Where a model's card is served, and the plain notice of a model trained on synthetic tissue. */
export interface ModelNotes {
  modelCard: string | null;
  notice: string | null;
}

export function modelNotes(model: QueryModel | null, id: string): ModelNotes {
  const generator = model?.info.trainedOn?.atlasGenerator;
  const preset = generator?.preset ? `, ${generator.preset} preset` : '';
  return {
    modelCard: model ? `/v1/models/${encodeURIComponent(id).replace(/%40/g, '@')}/card` : null,
    notice: generator
      ? `trained on synthetic tissue (${generator.name} ${generator.version}${preset}), not on real sections`
      : null,
  };
}

/** What became of an upload before the model saw it, and whether it looks like what the model knows. */
export interface UploadReport {
  width: number;
  height: number;
  micronsPerPixel: number | null;
  micronsPerPixelSource: ScaleSource;
  /** The µm/px it was resampled to (the tile model's); null for a region model, which takes the whole image. */
  modelMicronsPerPixel: number | null;
  tiles: { count: number; columns: number; rows: number; gridTiles: number; capped: boolean; max: number };
  /** Median over the embedded tiles of each one's best cosine in the index; null when not measured. */
  nearestCosine: number | null;
  /** The model's calibrated out-of-distribution threshold; null for a model without calibration. */
  threshold: number | null;
  look: ImageLook;
  notes: string[];
}

export interface EmbeddedUpload {
  /** One embedding per tile (one for a whole image). */
  vectors: Float32Array[];
  /** Their mean, re-normalised: the query vector of a search. */
  mean: Float32Array;
  report: UploadReport;
  outOfDistribution: boolean;
  outOfDistributionReason: string | null;
}

/** A tile model's grid; null for a region model (whole images, no µm/px). */
function gridOf(model: QueryModel): TileGridSpec | null {
  const image = model.info.image;
  const mpp = image?.micronsPerPixel ?? null;
  return image && mpp ? { size: image.size, micronsPerPixel: mpp, resize: image.resize } : null;
}

/** At most this many tiles are looked up for the nearest-image check (one store query each). */
const NEAREST_SAMPLE = 8;

/**
 * Embeds an upload the way the index was built: a tile model gets tiles at its own µm/px (upload.ts), a region
 * model the whole image. Then judges it: out of distribution when its pixels are not a stained section (image-look)
 * or when its tiles' nearest indexed images score below the model's calibrated `outOfDistribution.nearestCosine`.
 */
export async function embedUpload(
  bytes: Buffer,
  model: QueryModel,
  index: { collection: string; vectors: QueryVectors },
  options: { micronsPerPixel?: number; maxPixels: number },
): Promise<EmbeddedUpload> {
  const { grid, tiling, vectors } = await embedImageTiles(bytes, model, options);
  const look = await imageLook(bytes, options.maxPixels);
  const nearest = await nearestCosine(vectors, index);
  const threshold = model.info.calibration?.outOfDistribution.nearestCosine ?? null;
  const reasons = lookReasons(look);
  if (threshold !== null && nearest !== null && nearest < threshold)
    reasons.push(
      `its nearest indexed image scores ${nearest.toFixed(3)}, below ${threshold} (the cosine 99 % of the model's ` +
        'validation images reach): unlike the tissue the model was fitted on',
    );
  const notes = tiling ? [...tiling.notes] : [];
  if (!tiling && options.micronsPerPixel !== undefined)
    notes.push('micronsPerPixel is not used by a region model: it takes the whole image');
  if (threshold === null) notes.push(`${model.info.id} carries no calibration: the nearest-image check was skipped`);
  const report: UploadReport = {
    width: tiling?.width ?? look.width,
    height: tiling?.height ?? look.height,
    micronsPerPixel: tiling?.micronsPerPixel ?? null,
    micronsPerPixelSource: tiling?.micronsPerPixelSource ?? 'unknown',
    modelMicronsPerPixel: grid?.micronsPerPixel ?? null,
    tiles: {
      count: vectors.length,
      columns: tiling?.columns ?? 1,
      rows: tiling?.rows ?? 1,
      gridTiles: tiling?.gridTiles ?? 1,
      capped: tiling?.capped ?? false,
      max: MAX_UPLOAD_TILES,
    },
    nearestCosine: nearest,
    threshold,
    look: { colours: look.colours, flatShare: look.flatShare },
    notes,
  };
  return {
    vectors,
    mean: meanNormalized(vectors),
    report,
    outOfDistribution: reasons.length > 0,
    outOfDistributionReason: reasons.length ? reasons.join('; ') : null,
  };
}

/**
 * An image embedded the way the index was built, without judging it: a tile model's tiles at its µm/px (upload.ts),
 * a region model's whole image. Search examples use it; an upload is then judged by embedUpload.
 */
export async function embedImageTiles(
  bytes: Buffer,
  model: QueryModel,
  options: { micronsPerPixel?: number; maxPixels: number },
) {
  const grid = gridOf(model);
  const tiling = grid ? await tileUpload(bytes, grid, options.micronsPerPixel, options.maxPixels) : null;
  const vectors = await model.embedImages(tiling ? tiling.tiles : [bytes]);
  return { grid, tiling, vectors };
}

/** Median over (a spread sample of) the tiles of each tile's best cosine in the whole index; null for an empty one. */
async function nearestCosine(
  vectors: Float32Array[],
  index: { collection: string; vectors: QueryVectors },
): Promise<number | null> {
  const step = Math.max(1, vectors.length / NEAREST_SAMPLE);
  const sample = Array.from(
    { length: Math.min(vectors.length, NEAREST_SAMPLE) },
    (_, i) => vectors[Math.floor(i * step)]!,
  );
  const best = await Promise.all(
    sample.map(async (v) => {
      const page = await index.vectors.search(index.collection, v, { filter: {}, limit: 1, offset: 0 });
      return page.hits[0]?.score ?? null;
    }),
  );
  const scores = best.filter((s): s is number => s !== null).sort((a, b) => a - b);
  if (scores.length === 0) return null;
  const mid = scores.length >> 1;
  return scores.length % 2 ? scores[mid]! : (scores[mid - 1]! + scores[mid]!) / 2;
}

export function meanNormalized(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i] = out[i]! + v[i]!;
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += out[i]! * out[i]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! / norm;
  return out;
}
