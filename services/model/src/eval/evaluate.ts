import { join } from 'node:path';
import { CytoclipError, type Ontology } from '@cytoclip/domain';
import { CytoclipModel, type ModelOpenOptions } from '../model.js';
import { regionPrompts } from '../prompts.js';
import { dot, meanNormalized } from '../vector.js';
import { leafRegions, loadDataset, type Dataset, type DatasetItem } from './dataset.js';
import {
  classificationMetrics,
  knnVote,
  precisionAtK,
  rankOf,
  recallAtK,
  type ClassificationMetrics,
} from './metrics.js';
import { DEFAULT_PROTOCOL, drawSets, TEST_SETS, type Protocol, type TestSetName } from './protocol.js';

export const EVAL_FORMAT = 'cytoclip-eval/1';

export interface TestSetReport {
  /** Items evaluated (leaf-region items of the set). */
  n: number;
  /** Items of the set labelled with a non-leaf region, left out of every figure. */
  skippedNonLeaf: number;
  regions: string[];
  zeroShot?: ClassificationMetrics;
  knn?: (Omit<ClassificationMetrics, 'confusion'> & { k: number }) | null;
  /** attainableAt10: what a perfect ranking would score (a region with fewer than 10 test images caps its own). */
  textToImage?: { precisionAt10: number; perRegion: Record<string, number>; attainableAt10: number };
  imageToText?: { recallAt1: number; recallAt5: number; prompts: number };
  note?: string;
  /** Zero-shot top-1 per item id, when EvaluateOptions.predictions asks (comparing two graphs item by item). */
  predictions?: Record<string, string>;
}

export interface EvalReport {
  format: typeof EVAL_FORMAT;
  model: string;
  dataset: string;
  variant: string;
  protocol: Protocol;
  gallery: number;
  testSets: Record<TestSetName, TestSetReport>;
  tookMs: number;
}

export interface EvaluateOptions {
  modelDir: string;
  datasetDir: string;
  split?: Protocol['split'];
  protocol?: Partial<Protocol>;
  model?: ModelOpenOptions;
  /** Keep each test item's zero-shot top-1 in its set's report (`predictions`). */
  predictions?: boolean;
  /** Called as images are embedded (done, total). */
  progress?: (done: number, total: number) => void;
}

/** One embedding per region from the model's templates filled from `ontology`, averaged and re-normalised. */
async function classEmbeddings(model: CytoclipModel, acronyms: string[], ontology: Ontology): Promise<Float32Array[]> {
  const k = model.info.promptTemplates.length;
  const embedded = await model.embedTexts(
    acronyms.flatMap((a) => regionPrompts(model.info.promptTemplates, ontology, a)),
  );
  return acronyms.map((_, i) => meanNormalized(embedded.slice(i * k, (i + 1) * k)));
}

async function embedItems(
  model: CytoclipModel,
  dataset: Dataset,
  items: DatasetItem[],
  progress?: EvaluateOptions['progress'],
) {
  const out = new Map<string, Float32Array>();
  for (let i = 0; i < items.length; i += 64) {
    const chunk = items.slice(i, i + 64);
    const embedded = await model.embedImages(chunk.map((item) => join(dataset.dir, item.image)));
    chunk.forEach((item, j) => out.set(item.id, embedded[j]!));
    progress?.(Math.min(i + 64, items.length), items.length);
  }
  return out;
}

function argmax(scores: number[]): number {
  return scores.reduce((best, s, i) => (s > scores[best]! ? i : best), 0);
}

interface Context {
  model: CytoclipModel;
  ontology: Ontology;
  leaves: Set<string>;
  embeddings: Map<string, Float32Array>;
  gallery: DatasetItem[];
  protocol: Protocol;
  predictions: boolean;
}

async function evaluateSet(ctx: Context, all: DatasetItem[]): Promise<TestSetReport> {
  const items = all.filter((i) => ctx.leaves.has(i.region));
  const skippedNonLeaf = all.length - items.length;
  if (items.length === 0) return { n: 0, skippedNonLeaf, regions: [], note: 'no leaf-region items in this test set' };
  const regions = [...new Set(items.map((i) => i.region))].sort();
  const truth = items.map((i) => i.region);
  const images = items.map((i) => ctx.embeddings.get(i.id)!);
  const classes = await classEmbeddings(ctx.model, regions, ctx.ontology);
  const scores = images.map((img) => classes.map((c) => dot(c, img)));
  const predicted = scores.map((s) => regions[argmax(s)]!);
  const zeroShot = classificationMetrics(truth, predicted, regions);

  const perRegion: Record<string, number> = {};
  regions.forEach(
    (r, ri) =>
      (perRegion[r] = precisionAtK(
        scores.map((s) => s[ri]!),
        truth.map((t) => t === r),
        10,
      )),
  );
  const precisionAt10 = regions.reduce((sum, r) => sum + perRegion[r]!, 0) / regions.length;

  const promptRegions = [...new Set([...ctx.model.info.labels, ...regions])];
  const prompts = await classEmbeddings(ctx.model, promptRegions, ctx.ontology);
  const ranks = images.map((img, i) =>
    rankOf(
      prompts.map((p) => dot(p, img)),
      promptRegions.indexOf(truth[i]!),
    ),
  );

  return {
    n: items.length,
    skippedNonLeaf,
    regions,
    zeroShot,
    knn: knn(ctx, images, truth, regions),
    textToImage: { precisionAt10, perRegion, attainableAt10: attainablePrecision(truth, regions, 10) },
    imageToText: { recallAt1: recallAtK(ranks, 1), recallAt5: recallAtK(ranks, 5), prompts: promptRegions.length },
    ...(ctx.predictions ? { predictions: Object.fromEntries(items.map((item, i) => [item.id, predicted[i]!])) } : {}),
  };
}

function knn(ctx: Context, images: Float32Array[], truth: string[], regions: string[]): TestSetReport['knn'] {
  if (ctx.gallery.length === 0) return null;
  const galleryVectors = ctx.gallery.map((g) => ctx.embeddings.get(g.id)!);
  const galleryLabels = ctx.gallery.map((g) => g.region);
  const predicted = images.map((img) =>
    knnVote(
      galleryVectors.map((g) => dot(g, img)),
      galleryLabels,
      ctx.protocol.k,
    ),
  );
  const { confusion: _confusion, ...metrics } = classificationMetrics(truth, predicted, regions);
  return { k: ctx.protocol.k, ...metrics };
}

/** Regions of the dataset's ontology first (the evaluation is about the dataset), then the model's for its other labels. */
function mergedOntology(dataset: Dataset, model: CytoclipModel): Ontology {
  const known = new Set(dataset.ontology.regions.map((r) => r.acronym));
  return {
    ...dataset.ontology,
    regions: [...dataset.ontology.regions, ...model.ontology.regions.filter((r) => !known.has(r.acronym))],
  };
}

/** The paper's protocol on any model package and dataset (README "Evaluation"). */
export async function evaluateModel(options: EvaluateOptions): Promise<EvalReport> {
  const started = Date.now();
  const protocol: Protocol = {
    ...DEFAULT_PROTOCOL,
    ...options.protocol,
    ...(options.split ? { split: options.split } : {}),
  };
  if (!['test', 'val'].includes(protocol.split))
    throw new CytoclipError('invalid_argument', `split must be test or val, got ${protocol.split}`);
  const dataset = await loadDataset(options.datasetDir);
  const { gallery, sets } = drawSets(dataset.items, protocol);
  if (TEST_SETS.every((name) => sets[name].length === 0))
    throw new CytoclipError(
      'empty_split',
      `no test items under the protocol ${JSON.stringify(protocol)} in ${dataset.dir}`,
    );
  const model = await CytoclipModel.open(options.modelDir, options.model);
  try {
    const needed = [...new Map([...gallery, ...TEST_SETS.flatMap((n) => sets[n])].map((i) => [i.id, i])).values()];
    const embeddings = await embedItems(model, dataset, needed, options.progress);
    const ctx: Context = {
      model,
      ontology: mergedOntology(dataset, model),
      leaves: leafRegions(dataset.ontology),
      embeddings,
      gallery,
      protocol,
      predictions: options.predictions ?? false,
    };
    const testSets = {} as Record<TestSetName, TestSetReport>;
    for (const name of TEST_SETS) testSets[name] = await evaluateSet(ctx, sets[name]);
    return {
      format: EVAL_FORMAT,
      model: model.info.id,
      dataset: dataset.name,
      variant: dataset.variant,
      protocol,
      gallery: gallery.length,
      testSets,
      tookMs: Date.now() - started,
    };
  } finally {
    await model.close();
  }
}

/** The best precision@k a perfect ranking could score over these regions. */
function attainablePrecision(truth: string[], regions: string[], k: number): number {
  const top = Math.min(k, truth.length);
  const count = (r: string) => truth.filter((t) => t === r).length;
  return regions.reduce((sum, r) => sum + Math.min(top, count(r)) / top, 0) / regions.length;
}
