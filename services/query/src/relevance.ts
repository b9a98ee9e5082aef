import type { OntologyIndex } from './ontology.js';
import type { QueryModel, QueryVectors, SearchOptions, SearchPage } from './ports.js';

export type CutoffMode = 'auto' | 'none' | 'minScore';

/** Which score cutoff a search applied, and where it came from (said in every search answer). */
export interface AppliedCutoff {
  mode: CutoffMode;
  /** The minScore the store applied; null: none. */
  minScore: number | null;
  /** `calibration`: the model's fitted cutoff; `request`: minScore or cutoff "none" asked; `uncalibrated`: auto, but the model has no calibration. */
  source: 'calibration' | 'request' | 'uncalibrated';
}

/** Something the answer wants a reader to know (a missing region, an uncalibrated cutoff, a tiled upload). */
export interface Notice {
  code: string;
  message: string;
  regions?: string[];
}

/**
 * The cutoff of a search: an explicit minScore wins; `cutoff: "none"` applies none; `"auto"` (the default) applies the
 * model's calibrated cutoff — `search.textCutoff` for text, `search.imageCutoff` for an image, tile or region image —
 * and none for a model without calibration (a notice says so).
 */
export function resolveCutoff(
  request: { minScore?: number; cutoff?: 'auto' | 'none'; query: { text?: string } },
  model: QueryModel | null,
): AppliedCutoff {
  if (request.minScore !== undefined) return { mode: 'minScore', minScore: request.minScore, source: 'request' };
  if (request.cutoff === 'none') return { mode: 'none', minScore: null, source: 'request' };
  const search = model?.info.calibration?.search;
  if (!search) return { mode: 'auto', minScore: null, source: 'uncalibrated' };
  const minScore = request.query.text !== undefined ? search.textCutoff : search.imageCutoff;
  return { mode: 'auto', minScore, source: 'calibration' };
}

export function cutoffNotices(cutoff: AppliedCutoff, model: string): Notice[] {
  if (cutoff.source !== 'uncalibrated') return [];
  return [
    {
      code: 'uncalibrated_cutoff',
      message: `${model} carries no calibration: no relevance cutoff was applied, so every item is ranked`,
    },
  ];
}

/**
 * Regions a text query names: ontology names and acronyms as whole words (acronyms case-sensitive, so "CA" is
 * the cornu ammonis and "ca" nothing), longest names first so "dentate gyrus" is not also "gyrus".
 */
export function regionsNamed(text: string, ontology: OntologyIndex): string[] {
  const found = new Set<string>();
  let rest = ` ${text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
  const byName = [...ontology.regions].sort((a, b) => b.name.length - a.name.length);
  for (const region of byName) {
    const name = ` ${region.name
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim()} `;
    if (name.trim().length > 2 && rest.includes(name)) {
      found.add(region.acronym);
      rest = rest.split(name).join(' ');
    }
  }
  const words = new Set(text.split(/[^\p{L}\p{N}]+/u));
  for (const region of byName) if (region.acronym.length >= 2 && words.has(region.acronym)) found.add(region.acronym);
  return [...found];
}

export function noDataNotice(regions: string[], ontology: OntologyIndex, kind: 'tiles' | 'regions'): Notice[] {
  if (regions.length === 0) return [];
  const names = regions.map((r) => `${r} (${ontology.get(r)?.name ?? r})`).join(', ');
  const what = kind === 'tiles' ? 'tiles' : 'region images';
  return [
    {
      code: 'no_data_for_region',
      regions,
      message: `the index has no ${what} of ${names}: nothing here can show ${regions.length === 1 ? 'it' : 'them'}`,
    },
  ];
}

/** A cosine this close to 1 ties with the query item's own score (float rounding of v·v). */
const SELF_SCORE = 1 - 1e-5;
const TIE_PROBE = 64;

/**
 * Where the query item stands in the store's ranking, or -1 when the filter, minScore or perSection leave it out.
 * It scores 1 against itself, so only exact duplicates rank beside it: the probe reads just the items tied at 1.
 */
async function rankOfSelf(
  vectors: QueryVectors,
  collection: string,
  vector: Float32Array,
  options: SearchOptions,
  self: string,
  maxWindow: number,
): Promise<number> {
  const ties = { ...options, offset: 0, minScore: Math.max(options.minScore ?? -1, SELF_SCORE) };
  let probe = await vectors.search(collection, vector, { ...ties, limit: TIE_PROBE });
  if (probe.total > TIE_PROBE && !probe.hits.some((h) => h.id === self))
    probe = await vectors.search(collection, vector, { ...ties, limit: Math.min(probe.total, maxWindow) });
  return probe.hits.findIndex((h) => h.id === self);
}

/**
 * A "similar to" page without the query item itself: where it ranks before the page, the page is read one further
 * on; where it would fall inside, one more is read and it is dropped. `total` is one less whenever the ranking held
 * it, so the pages still return exactly `total` results together.
 */
export async function searchExcluding(
  vectors: QueryVectors,
  collection: string,
  vector: Float32Array,
  options: SearchOptions,
  self: string,
  maxWindow: number,
): Promise<SearchPage> {
  const rank = await rankOfSelf(vectors, collection, vector, options, self, maxWindow);
  if (rank < 0) return vectors.search(collection, vector, options);
  const { offset, limit } = options;
  const shifted = rank < offset;
  const from = shifted ? offset + 1 : offset;
  const n = Math.min(shifted ? limit : limit + 1, maxWindow - from);
  if (n < 1) {
    const count = await vectors.search(collection, vector, { ...options, offset: 0, limit: 1 });
    return { hits: [], total: count.total - 1, totalExact: count.totalExact };
  }
  const page = await vectors.search(collection, vector, { ...options, offset: from, limit: n });
  return {
    hits: page.hits.filter((h) => h.id !== self).slice(0, limit),
    total: page.total - 1,
    totalExact: page.totalExact,
  };
}
