import { mulberry32, type SearchFilter } from '@cytoclip/domain';
import type { QueryLine, QuerySplit } from './queries.js';

/** A ranked item: its id and its region's path, root first ([] when it has no region). */
export interface RankedItem {
  id: string;
  regionPath: string[];
}

/**
 * What the scoring asks of an atlas, whether a server (`--api`, the local stores) or a dataset embedded in-process.
 * Both rank by the same dense cosine; only where the vectors live differs.
 */
export interface EvalSource {
  /** Region acronyms the atlas's ontology knows. */
  knownRegions(): Promise<Set<string>>;
  /** Items under `filter` whose region path contains any of `regions` (what a perfect ranking could return). */
  countAvailable(regions: string[], filter: SearchFilter): Promise<number>;
  /** The top `k` for a text under `filter`. */
  searchText(text: string, filter: SearchFilter, k: number): Promise<RankedItem[]>;
  /** Items per region, each item counted under its own region only (not its ancestors'). */
  regionSizes(): Promise<Map<string, number>>;
  /** Ids of the items whose own region is `acronym`: the pool find-similar draws from. */
  regionItems(acronym: string): Promise<string[]>;
  /** The `k` nearest stored items to a stored item, itself left out. */
  neighbours(id: string, k: number): Promise<RankedItem[]>;
}

export const TOP_K = 10;

export interface QueryScore {
  text: string;
  regions: string[];
  split: QuerySplit;
  /** hits / attainable (0 when the atlas can give nothing for the regions). */
  precisionAt10: number;
  /** min(10, items the atlas holds for the regions under the query's filter): the hits a perfect top 10 holds. */
  attainable: number;
  /** Results in the top 10 whose region path contains an expected region. */
  hits: number;
  /** Results the top 10 held. */
  returned: number;
  /** Expected regions the atlas has no item of (unknown to its ontology, or without items). */
  missingRegions: string[];
}

export interface TextReport {
  n: number;
  precisionAt10: number;
  perSplit: Partial<Record<QuerySplit, { n: number; precisionAt10: number }>>;
  missingRegions: string[];
  perQuery: QueryScore[];
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
}

/** Counts cached per region set and filter: many queries share a region. */
function availability(source: EvalSource) {
  const cache = new Map<string, Promise<number>>();
  let known: Promise<Set<string>> | null = null;
  return {
    known: () => (known ??= source.knownRegions()),
    count(regions: string[], filter: SearchFilter): Promise<number> {
      const key = JSON.stringify([[...regions].sort(), filter]);
      let n = cache.get(key);
      if (!n) cache.set(key, (n = source.countAvailable(regions, filter)));
      return n;
    },
  };
}

async function scoreQuery(source: EvalSource, avail: ReturnType<typeof availability>, q: QueryLine) {
  const filter = q.filter ?? {};
  const known = await avail.known();
  const counts = await Promise.all(q.regions.map((r) => (known.has(r) ? avail.count([r], filter) : 0)));
  const present = q.regions.filter((_, i) => counts[i]! > 0);
  const missingRegions = q.regions.filter((_, i) => counts[i] === 0);
  // The union, counted once: expected regions may nest (a region and one of its subregions).
  const available =
    present.length === 0
      ? 0
      : present.length === 1
        ? counts[q.regions.indexOf(present[0]!)]!
        : await avail.count(present, filter);
  const results = await source.searchText(q.text, filter, TOP_K);
  const hits = results.slice(0, TOP_K).filter((r) => r.regionPath.some((a) => q.regions.includes(a))).length;
  const attainable = Math.min(TOP_K, available);
  const score: QueryScore = {
    text: q.text,
    regions: q.regions,
    split: q.split,
    precisionAt10: attainable === 0 ? 0 : hits / attainable,
    attainable,
    hits,
    returned: Math.min(TOP_K, results.length),
    missingRegions,
  };
  return score;
}

/** Text → image precision@10 per query, its mean over all queries and per split. */
export async function scoreQueries(source: EvalSource, queries: QueryLine[]): Promise<TextReport> {
  const avail = availability(source);
  const perQuery: QueryScore[] = [];
  for (const q of queries) perQuery.push(await scoreQuery(source, avail, q));
  const perSplit: TextReport['perSplit'] = {};
  for (const split of new Set(perQuery.map((q) => q.split))) {
    const scores = perQuery.filter((q) => q.split === split).map((q) => q.precisionAt10);
    perSplit[split] = { n: scores.length, precisionAt10: mean(scores) };
  }
  return {
    n: perQuery.length,
    precisionAt10: mean(perQuery.map((q) => q.precisionAt10)),
    perSplit,
    missingRegions: [...new Set(perQuery.flatMap((q) => q.missingRegions))].sort(),
    perQuery,
  };
}

export interface SimilarOptions {
  seed: number;
  /** Query items drawn per region (5). */
  perRegion: number;
  /** Regions with fewer items are left out (5). */
  minItems: number;
  /** Neighbours judged per query item (10). */
  k: number;
}

export const DEFAULT_SIMILAR: SimilarOptions = { seed: 1, perRegion: 5, minItems: 5, k: TOP_K };

export interface SimilarReport extends SimilarOptions {
  /** Items of the atlas with a region. */
  items: number;
  regions: number;
  /** Mean over regions of each region's mean share (macro). */
  macro: number;
  /** items: the region's own items; listed: how many of them the draw saw (fewer only where a server's paging lost some). */
  byRegion: Record<string, { items: number; listed: number; share: number; queries: { id: string; share: number }[] }>;
}

/** The seeded generator that draws the query items (domain's mulberry32), the same on every machine. */
export { mulberry32 };

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * `count` of `ids` drawn without replacement: the ids sorted, then a partial Fisher–Yates shuffle by mulberry32
 * seeded with `seed` XOR the FNV-1a hash of the region, so one region's draw does not depend on the others.
 */
export function drawSeeded(ids: string[], count: number, seed: number, region: string): string[] {
  const pool = [...ids].sort();
  const random = mulberry32((seed ^ fnv1a(region)) >>> 0);
  const n = Math.min(count, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}

/** Image → image: for each region with ≥ minItems items, the share of each drawn item's k neighbours from its region. */
export async function scoreSimilar(
  source: EvalSource,
  options: SimilarOptions = DEFAULT_SIMILAR,
): Promise<SimilarReport> {
  const sizes = await source.regionSizes();
  const regions = [...sizes.keys()].filter((r) => sizes.get(r)! >= options.minItems).sort();
  const byRegion: SimilarReport['byRegion'] = {};
  for (const region of regions) {
    const pool = await source.regionItems(region);
    const queries: { id: string; share: number }[] = [];
    for (const id of drawSeeded(pool, options.perRegion, options.seed, region)) {
      const found = (await source.neighbours(id, options.k)).slice(0, options.k);
      const same = found.filter((n) => n.regionPath.includes(region)).length;
      queries.push({ id, share: found.length === 0 ? 0 : same / found.length });
    }
    byRegion[region] = {
      items: sizes.get(region)!,
      listed: pool.length,
      share: mean(queries.map((q) => q.share)),
      queries,
    };
  }
  return {
    ...options,
    items: [...sizes.values()].reduce((s, n) => s + n, 0),
    regions: regions.length,
    macro: mean(regions.map((r) => byRegion[r]!.share)),
    byRegion,
  };
}
