import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  CytoclipError,
  DATASET_FORMAT,
  DEFAULT_TILE_GRID,
  regionImageId,
  VARIANTS,
  type DatasetItem,
  type OntologyRegion,
  type TileGrid,
  type Variant,
} from '@cytoclip/domain';
import {
  cropRegionImages,
  cutTiles,
  openSection,
  planTiles,
  regionsOf,
  toPng,
  type RawImage,
  type SectionImage,
} from '@cytoclip/slides';
import { regionDescription, REGION_ACRONYMS } from '../ontology.js';
import { GENERATOR_NAME } from '../version.js';
import { composeCaptions } from './captions.js';
import { loadAtlas, type LoadedAtlas, type LoadedSection } from './load.js';
import {
  DEFAULT_PROTOCOL,
  planSplits,
  type Split,
  type SplitPlan,
  type SplitProtocol,
  type TestSet,
} from './splits.js';

export type { DatasetItem };

export interface BuildDatasetOptions {
  atlasDir: string;
  variant: Variant;
  /** Output folder; written to a temporary sibling and renamed into place. */
  out: string;
  name?: string;
  /** Tile grid (variant tile); default 224 px at 1 µm/px. */
  grid?: TileGrid;
  /** Image edge in pixels; default the grid size (tile) or 224 (region). */
  size?: number;
  resize?: 'bicubic' | 'bilinear';
  /** Keep at most this many items per region (a stable, hash-ordered draw); default all. */
  maxPerRegion?: number;
  /** Tiles: least share of a tile's tissue its region must cover; default 0.5. */
  minRegionShare?: number;
  /** Tiles: least tissue fraction; default 0.5. */
  minTissue?: number;
  /** Regions: least area in level-0 px²; default 1024. */
  minRegionArea?: number;
  captionsPerItem?: number;
  splits?: Partial<SplitProtocol>;
  overwrite?: boolean;
  /** Where pyramids of non-pyramidal section images are cached (default DATA_DIR/cache/sections). */
  cacheDir?: string;
  onProgress?: (progress: { section: string; done: number; total: number; items: number }) => void;
}

export interface BuildDatasetResult {
  dir: string;
  items: number;
  splits: Record<Split, number>;
  testSets: Partial<Record<TestSet, number>>;
  regions: Record<string, number>;
  seconds: number;
}

/** A planned item before its pixels are cut. */
interface Candidate {
  section: LoadedSection;
  id: string;
  region: string;
  bbox: [number, number, number, number];
  tissueFraction?: number;
  regionShare?: number;
  tile?: Parameters<typeof cutTiles>[1][number];
}

function checkOptions(options: BuildDatasetOptions): void {
  if (!(VARIANTS as readonly string[]).includes(options.variant)) {
    throw new CytoclipError(
      'invalid_argument',
      `unknown dataset variant ${JSON.stringify(options.variant)} (region or tile)`,
    );
  }
  if (options.size !== undefined && !(Number.isInteger(options.size) && options.size >= 8))
    throw new CytoclipError('invalid_argument', `size must be an integer ≥ 8, got ${options.size}`);
  if (options.maxPerRegion !== undefined && !(Number.isInteger(options.maxPerRegion) && options.maxPerRegion > 0)) {
    throw new CytoclipError('invalid_argument', `maxPerRegion must be a positive integer, got ${options.maxPerRegion}`);
  }
}

/**
 * Turns an atlas (formats.md §1, synthetic or a lab's own) into a dataset (formats.md §2): dataset.json,
 * items.jsonl and images/*.png at model size, cut by services/slides with the same rules ingest uses. The atlas
 * is validated completely first; the dataset is written to a temporary folder and renamed, so a failure leaves
 * nothing behind.
 */
export async function buildDataset(options: BuildDatasetOptions): Promise<BuildDatasetResult> {
  const started = performance.now();
  checkOptions(options);
  const atlas = await loadAtlas(options.atlasDir);
  const out = resolve(options.out);
  const tmp = await prepareOutput(out, options.overwrite ?? false);
  try {
    const protocol = { ...DEFAULT_PROTOCOL, ...options.splits };
    const splits = planSplits(atlas.manifest.specimens, protocol);
    const items = await writeItems(atlas, options, splits, tmp);
    if (items.length === 0)
      throw new CytoclipError('empty_dataset', `atlas ${atlas.manifest.name} yields no ${options.variant} items`, {
        status: 422,
      });
    const result = summarise(out, items, started);
    await writeFile(join(tmp, 'items.jsonl'), items.map((item) => JSON.stringify(item)).join('\n') + '\n');
    await writeFile(join(tmp, 'ontology.json'), `${JSON.stringify(atlas.ontology, null, 1)}\n`);
    await writeFile(
      join(tmp, 'dataset.json'),
      `${JSON.stringify(datasetJson(atlas, options, protocol, result), null, 1)}\n`,
    );
    if (options.overwrite) await rm(out, { recursive: true, force: true });
    await rename(tmp, out);
    return result;
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

async function prepareOutput(out: string, overwrite: boolean): Promise<string> {
  const exists = await stat(out).then(
    () => true,
    () => false,
  );
  if (exists && !overwrite)
    throw new CytoclipError(
      'output_exists',
      `output folder ${out} already exists (--force or overwrite: true replaces it)`,
      {
        status: 409,
      },
    );
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(join(tmp, 'images'), { recursive: true });
  } catch (error) {
    throw new CytoclipError(
      'output_unwritable',
      `cannot write the dataset under ${dirname(out)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return tmp;
}

async function writeItems(
  atlas: LoadedAtlas,
  options: BuildDatasetOptions,
  splits: SplitPlan,
  tmp: string,
): Promise<DatasetItem[]> {
  const opened = new Map<string, SectionImage>();
  const candidates: Candidate[] = [];
  for (const section of atlas.sections) {
    const image = await openSection(section.imagePath, { cacheDir: options.cacheDir });
    opened.set(section.entry.id, image);
    candidates.push(...(await planSection(atlas, section, image, options)));
  }
  const chosen = capPerRegion(candidates, options.maxPerRegion);
  const items: DatasetItem[] = [];
  const describe = captionMaker(atlas, options);
  let done = 0;
  for (const section of atlas.sections) {
    const mine = chosen.filter((c) => c.section === section);
    for await (const batch of cutSection(section, opened.get(section.entry.id)!, mine, atlas, options)) {
      await Promise.all(
        batch.map(({ candidate, image }) =>
          toPng(image).then((png) => writeFile(join(tmp, 'images', `${candidate.id}.png`), png)),
        ),
      );
      for (const { candidate } of batch) items.push(itemOf(candidate, atlas, splits, describe));
    }
    options.onProgress?.({
      section: section.entry.id,
      done: ++done,
      total: atlas.sections.length,
      items: items.length,
    });
  }
  return items;
}

async function planSection(
  atlas: LoadedAtlas,
  section: LoadedSection,
  image: SectionImage,
  options: BuildDatasetOptions,
): Promise<Candidate[]> {
  if (options.variant === 'region') {
    const minArea = options.minRegionArea ?? 1024;
    return regionsOf(section.annotations)
      .filter((r) => r.area >= minArea)
      .map((r) => ({
        section,
        id: regionItemId(atlas, section, r.region),
        region: r.region,
        bbox: [r.bbox[0], r.bbox[1], r.bbox[2] - r.bbox[0], r.bbox[3] - r.bbox[1]],
      }));
  }
  const plan = await planTiles(image, section.annotations, {
    atlas: atlas.manifest.name,
    section: section.entry.id,
    micronsPerPixel: section.entry.micronsPerPixel,
    grid: options.grid ?? DEFAULT_TILE_GRID,
    minTissue: options.minTissue ?? 0.5,
  });
  const minShare = options.minRegionShare ?? 0.5;
  return plan.tiles
    .filter((t) => t.region !== null && t.regionShare >= minShare)
    .map((t) => ({
      section,
      id: t.id,
      region: t.region!,
      bbox: [t.x, t.y, t.box, t.box],
      tissueFraction: t.tissueFraction,
      regionShare: t.regionShare,
      tile: t,
    }));
}

/** The id ingest gives the same region image (formats.md: UUID v5 of atlas/section/region/<acronym>). */
function regionItemId(atlas: LoadedAtlas, section: LoadedSection, region: string): string {
  return regionImageId(atlas.manifest.name, section.entry.id, region);
}

async function* cutSection(
  section: LoadedSection,
  image: SectionImage,
  chosen: Candidate[],
  atlas: LoadedAtlas,
  options: BuildDatasetOptions,
): AsyncGenerator<{ candidate: Candidate; image: RawImage }[]> {
  if (chosen.length === 0) return;
  if (options.variant === 'tile') {
    const byId = new Map(chosen.map((c) => [c.id, c]));
    const size = options.size ?? (options.grid ?? DEFAULT_TILE_GRID).size;
    for await (const batch of cutTiles(
      image,
      chosen.map((c) => c.tile!),
      { size, resize: options.resize ?? 'bicubic', batchSize: 16 },
    )) {
      yield batch.map((b) => ({ candidate: byId.get(b.tile.id)!, image: b.image }));
    }
    return;
  }
  const wanted = new Map(chosen.map((c) => [c.region, c]));
  const crops = cropRegionImages(image, section.annotations, {
    atlas: atlas.manifest.name,
    section: section.entry.id,
    size: options.size ?? 224,
    resize: options.resize ?? 'bicubic',
  });
  for await (const crop of crops) {
    const candidate = wanted.get(crop.region);
    if (candidate) yield [{ candidate: { ...candidate, bbox: crop.bbox }, image: crop.image }];
  }
}

/** At most `max` items per region, drawn in the order of a hash of their ids (stable across runs and machines). */
function capPerRegion(candidates: Candidate[], max: number | undefined): Candidate[] {
  if (max === undefined) return candidates;
  const byRegion = new Map<string, Candidate[]>();
  for (const c of candidates) byRegion.set(c.region, [...(byRegion.get(c.region) ?? []), c]);
  const keep = new Set<Candidate>();
  for (const list of byRegion.values()) {
    const ordered = list
      .map((c) => ({ c, h: createHash('sha1').update(c.id).digest('hex') }))
      .sort((a, b) => a.h.localeCompare(b.h));
    for (const { c } of ordered.slice(0, max)) keep.add(c);
  }
  return candidates.filter((c) => keep.has(c));
}

type CaptionMaker = (candidate: Candidate, id: string) => string[];

function captionMaker(atlas: LoadedAtlas, options: BuildDatasetOptions): CaptionMaker {
  const regions = new Map<string, OntologyRegion>(atlas.ontology.regions.map((r) => [r.acronym, r]));
  // The generator's age-dependent descriptions apply only to atlases it made; a lab's ontology speaks for itself.
  const synthetic = atlas.manifest.generator?.name === GENERATOR_NAME;
  const known = new Set(REGION_ACRONYMS);
  return (candidate, id) => {
    const region = regions.get(candidate.region)!;
    const week = candidate.section.specimen.gestationalWeek;
    const useGenerator = synthetic && known.has(region.acronym) && week >= 13 && week <= 40;
    return composeCaptions(
      {
        region,
        parent: region.parent ? regions.get(region.parent) : undefined,
        description: useGenerator ? regionDescription(region.acronym, week) : region.description,
        gestationalWeek: week,
        plane: candidate.section.entry.plane,
        variant: options.variant,
      },
      id,
      options.captionsPerItem ?? 5,
    );
  };
}

function itemOf(candidate: Candidate, atlas: LoadedAtlas, splits: SplitPlan, describe: CaptionMaker): DatasetItem {
  const { entry, specimen } = candidate.section;
  const { split, testSet } = splits.assign(specimen.id, specimen.gestationalWeek, entry.plane);
  const item: DatasetItem = {
    id: candidate.id,
    image: `images/${candidate.id}.png`,
    region: candidate.region,
    specimen: specimen.id,
    gestationalWeek: specimen.gestationalWeek,
    plane: entry.plane,
    section: entry.id,
    captions: describe(candidate, candidate.id),
    split,
    atlas: atlas.manifest.name,
    bbox: candidate.bbox,
  };
  if (testSet) item.testSet = testSet;
  if (candidate.tissueFraction !== undefined) item.tissueFraction = round(candidate.tissueFraction);
  if (candidate.regionShare !== undefined) item.regionShare = round(candidate.regionShare);
  return item;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

function summarise(dir: string, items: DatasetItem[], started: number): BuildDatasetResult {
  const splits: Record<Split, number> = { train: 0, val: 0, test: 0 };
  const testSets: Partial<Record<TestSet, number>> = {};
  const regions: Record<string, number> = {};
  for (const item of items) {
    splits[item.split]++;
    if (item.testSet) testSets[item.testSet] = (testSets[item.testSet] ?? 0) + 1;
    regions[item.region] = (regions[item.region] ?? 0) + 1;
  }
  return { dir, items: items.length, splits, testSets, regions, seconds: (performance.now() - started) / 1000 };
}

function datasetJson(
  atlas: LoadedAtlas,
  options: BuildDatasetOptions,
  protocol: SplitProtocol,
  result: BuildDatasetResult,
): object {
  const grid = options.grid ?? DEFAULT_TILE_GRID;
  const size = options.size ?? (options.variant === 'tile' ? grid.size : 224);
  return {
    format: DATASET_FORMAT,
    name: options.name ?? `${atlas.manifest.name}-${options.variant}`,
    variant: options.variant,
    ontology: 'ontology.json',
    source: {
      atlas: atlas.manifest.name,
      dir: atlas.dir,
      generator: atlas.manifest.generator ?? null,
      sections: atlas.sections.length,
    },
    image: {
      size,
      resize: options.resize ?? 'bicubic',
      crop: options.variant === 'tile' ? 'center' : 'none',
      background: '#ffffff',
    },
    grid: options.variant === 'tile' ? grid : null,
    selection: {
      maxPerRegion: options.maxPerRegion ?? null,
      minRegionShare: options.variant === 'tile' ? (options.minRegionShare ?? 0.5) : null,
      minTissue: options.variant === 'tile' ? (options.minTissue ?? 0.5) : null,
      minRegionArea: options.variant === 'region' ? (options.minRegionArea ?? 1024) : null,
    },
    protocol,
    counts: { items: result.items, splits: result.splits, testSets: result.testSets, regions: result.regions },
  };
}
