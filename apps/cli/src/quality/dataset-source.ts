import { join } from 'node:path';
import type { SearchFilter } from '@cytoclip/domain';
import {
  CytoclipModel,
  dot,
  loadDataset,
  loadModelPackage,
  topK,
  type Dataset,
  type DatasetItem,
  type ModelOpenOptions,
} from '@cytoclip/model';
import { UsageError } from '../errors.js';
import type { EvalSource, RankedItem } from './score.js';

export interface DatasetSourceOptions {
  datasetDir: string;
  /** A model package folder; default the first of `packages` whose variant is the dataset's. */
  modelDir?: string;
  /** Candidate packages for the default (CYTOCLIP_MODELS, or the bundled models/). */
  packages: string[];
  /** `test`: the dataset's test split (unseen by a model trained on it); `all`: every item. */
  items: 'test' | 'all';
  target?: 'tiles' | 'regions';
  model?: ModelOpenOptions;
  progress?: (done: number, total: number) => void;
}

export type DatasetSource = EvalSource & {
  model: string;
  dataset: string;
  target: 'tiles' | 'regions';
  close(): Promise<void>;
};

/** Root-first acronym paths from the dataset's ontology (the same rule the API's `region.path` follows). */
function regionPaths(dataset: Dataset): Map<string, string[]> {
  const parent = new Map(dataset.ontology.regions.map((r) => [r.acronym, r.parent]));
  const paths = new Map<string, string[]>();
  for (const acronym of parent.keys()) {
    const path: string[] = [];
    for (let a: string | null | undefined = acronym; a && !path.includes(a); a = parent.get(a)) path.unshift(a);
    paths.set(acronym, path);
  }
  return paths;
}

/** The first of `packages` whose variant is the dataset's (the bundled models/ by default). */
export async function defaultModel(variant: string, packages: string[]): Promise<string> {
  for (const dir of packages) if ((await loadModelPackage(dir)).manifest.variant === variant) return dir;
  throw new UsageError(`no ${variant} model package found (give --model <package folder>)`, 'no_models');
}

function matches(item: DatasetItem, path: string[], filter: SearchFilter): boolean {
  const weeks = filter.gestationalWeek;
  if (weeks?.gte !== undefined && item.gestationalWeek < weeks.gte) return false;
  if (weeks?.lte !== undefined && item.gestationalWeek > weeks.lte) return false;
  if (filter.planes && !filter.planes.includes(item.plane)) return false;
  if (filter.specimens && !filter.specimens.includes(item.specimen)) return false;
  if (filter.sections && !filter.sections.includes(item.section)) return false;
  if (filter.atlases && !(item.atlas && filter.atlases.includes(item.atlas))) return false;
  if (filter.regions && !path.some((a) => filter.regions!.includes(a))) return false;
  return true;
}

/** A dataset's items embedded in-process with a model package, ranked by cosine over them (no stores, no server). */
export async function datasetSource(options: DatasetSourceOptions): Promise<DatasetSource> {
  const dataset = await loadDataset(options.datasetDir);
  const target = dataset.variant === 'tile' ? 'tiles' : 'regions';
  if (options.target && options.target !== target)
    throw new UsageError(`--target ${options.target} does not match the dataset's ${dataset.variant} variant`);
  const items = options.items === 'all' ? dataset.items : dataset.items.filter((i) => i.split === 'test');
  if (items.length === 0) throw new UsageError(`${dataset.dir} has no test items (--items all scores every item)`);
  const modelDir = options.modelDir ?? (await defaultModel(dataset.variant, options.packages));
  const model = await CytoclipModel.open(modelDir, options.model);
  let vectors: Float32Array[];
  try {
    vectors = await embed(model, dataset, items, options.progress);
  } catch (error) {
    await model.close();
    throw error;
  }
  const paths = regionPaths(dataset);
  const pathOf = (item: DatasetItem) => paths.get(item.region) ?? [item.region];
  const index = new Map(items.map((item, i) => [item.id, i]));
  const ranked = (scores: number[], pool: number[], k: number): RankedItem[] =>
    topK(scores, k).map((j) => ({ id: items[pool[j]!]!.id, regionPath: pathOf(items[pool[j]!]!) }));

  return {
    model: model.info.id,
    dataset: dataset.name,
    target,
    close: () => model.close(),
    knownRegions: async () => new Set(paths.keys()),
    countAvailable: async (regions, filter) =>
      items.filter((item) => matches(item, pathOf(item), { ...filter, regions })).length,
    async searchText(text, filter, k) {
      const [query] = await model.embedTexts([text]);
      const pool = items.flatMap((item, i) => (matches(item, pathOf(item), filter) ? [i] : []));
      return ranked(
        pool.map((i) => dot(query!, vectors[i]!)),
        pool,
        k,
      );
    },
    async regionSizes() {
      const sizes = new Map<string, number>();
      for (const item of items) sizes.set(item.region, (sizes.get(item.region) ?? 0) + 1);
      return sizes;
    },
    regionItems: async (acronym) => items.filter((item) => item.region === acronym).map((item) => item.id),
    async neighbours(id, k) {
      const self = index.get(id);
      if (self === undefined) throw new UsageError(`item ${id} is not among the embedded items`);
      const pool = items.flatMap((_, i) => (i === self ? [] : [i]));
      return ranked(
        pool.map((i) => dot(vectors[self]!, vectors[i]!)),
        pool,
        k,
      );
    },
  };
}

async function embed(
  model: CytoclipModel,
  dataset: Dataset,
  items: DatasetItem[],
  progress?: DatasetSourceOptions['progress'],
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < items.length; i += 64) {
    const chunk = items.slice(i, i + 64);
    out.push(...(await model.embedImages(chunk.map((item) => join(dataset.dir, item.image)))));
    progress?.(out.length, items.length);
  }
  return out;
}
