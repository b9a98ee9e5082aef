import type { SearchFilter } from '@cytoclip/domain';
import {
  byScore,
  capPerSection,
  cappedCount,
  pageOf,
  summarise,
  totalFromPage,
  windowTotal,
  type PageOptions,
} from '../ranking.js';
import type { FieldSummary, ScoredPoint, SearchPage, SummaryField } from '../types.js';
import { MAX_WINDOW } from '../validate.js';
import usearch from 'usearch';
import { INT8_ERROR, type Candidate, type Chunk } from './chunk.js';
import { dot, type Collection } from './collection.js';
import { compileFilter, isRowLevel, type Matcher } from './matcher.js';
import { ivfCandidates } from './ivf-search.js';

export interface Query {
  vector: Float32Array;
  q8: Int8Array;
  matcher: Matcher;
}

/**
 * Candidate rows with their int8 scores, in any order. `floor`: every matching row (within the lists searched) whose
 * int8 score is above it is among the candidates, so a count above the floor is complete; -Infinity when all were read.
 */
export interface Found {
  candidates: Candidate[];
  floor: number;
  /** Reads on until the floor is at most `reach` (the IVF lists resume where they stopped); absent: search again. */
  deeper?: (reach: number) => Found;
}

/** Something that proposes candidate rows by int8 score; the exact rescoring and paging happen after it. */
export type CandidateSource = (collection: Collection, query: Query, need: number, perSection: number) => Found;

/**
 * Top-k: candidates by int8 cosine, the best of them rescored in f32 from disk, then capped per section and paged.
 * Candidates come from the matching sections' chunks (exact) when the filter is selective or the collection small,
 * else from the IVF index. The total is counted under the same rules.
 */
export function searchCollection(
  collection: Collection,
  vector: Float32Array,
  filter: SearchFilter,
  page: PageOptions,
): SearchPage {
  const query: Query = { vector, q8: collection.quantizeQuery(vector), matcher: compileFilter(filter) };
  const source = chooseSource(collection, query.matcher);
  let depth = page.offset + page.limit;
  let found = sortedFound(source(collection, query, depth, page.perSection));
  let { hits, band } = rankPage(collection, vector, found.candidates, page);
  // Rows the source left unread could still beat the page's last hit: read deeper until the candidates pass the band.
  while (found.floor > band) {
    found = sortedFound(found.deeper ? found.deeper(band) : source(collection, query, (depth *= 4), page.perSection));
    ({ hits, band } = rankPage(collection, vector, found.candidates, page));
  }
  const known = totalFromPage(hits.length, page);
  if (known !== null) return { hits, ...windowTotal(known) };
  const count =
    page.minScore === -Infinity
      ? matchCount(collection, query.matcher, page.perSection)
      : scoredCount(collection, query, page, found.floor < page.minScore - INT8_ERROR ? found : null, source);
  return { hits, ...windowTotal(count) };
}

/**
 * The page from int8-sorted candidates: a margin of 10 beyond it rescored in f32, with a few spare candidates per
 * section under a cap so the exact order picks each section's best; then every other candidate whose int8 score comes
 * within INT8_ERROR of the page's last exact score, since it could still belong before it. So each page is cut from
 * the same exact order and consecutive pages neither repeat nor skip a hit where many scores lie close together.
 * Then capped in exact order, paged, and cut at minScore.
 */
function rankPage(
  collection: Collection,
  vector: Float32Array,
  sorted: Candidate[],
  page: PageOptions,
): { hits: ScoredPoint[]; band: number } {
  const need = page.offset + page.limit;
  const sectionOf = collection.rows.sectionOf.data;
  const section = (c: { row: number }) => sectionOf[c.row]!;
  const chosen =
    page.perSection > 0
      ? capPerSection(sorted, section, page.perSection, need + 10, page.perSection + 2)
      : sorted.slice(0, need + 10);
  const { ids } = collection.rows;
  const exact = (candidates: Candidate[]) =>
    candidates.map(({ row }) => ({ row, id: ids[row]!, score: dot(vector, collection.vectorOf(row)) }));
  let scored = exact(chosen);
  const ranking = () => {
    scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return page.perSection > 0 ? capPerSection(scored, section, page.perSection, need) : scored;
  };
  let ranked = ranking();
  // Below this int8 score no candidate can beat the page's last exact score (-Infinity: the page is short).
  const band = ranked.length >= need ? ranked[need - 1]!.score - INT8_ERROR : -Infinity;
  if (band > -Infinity) {
    // Without a cap the chosen are a prefix of the sorted candidates; with one, some were skipped on the way.
    const taken = page.perSection > 0 ? new Set(chosen.map((c) => c.row)) : null;
    const near: Candidate[] = [];
    for (let i = taken ? 0 : chosen.length; i < sorted.length && sorted[i]!.approx >= band; i++) {
      if (!taken?.has(sorted[i]!.row)) near.push(sorted[i]!);
    }
    if (near.length > 0) {
      scored = scored.concat(exact(near));
      ranked = ranking();
    }
  }
  const hits = pageOf(ranked, page).map(({ row, id, score }) => ({ id, score, payload: collection.payloadOf(row) }));
  return { hits, band };
}

function sortedFound(found: Found): Found {
  found.candidates.sort((a, b) => b.approx - a.approx);
  return found;
}

/** Without minScore the pages hold every matching point, or each section's first `perSection`: counted, not scored. */
function matchCount(collection: Collection, matcher: Matcher, perSection: number): number {
  if (perSection === 0) return collection.countMatches(matcher, MAX_WINDOW + 1);
  return cappedCount(collection.matchesPerSection(matcher), perSection);
}

/**
 * With minScore, the candidates scoring at least minScore, capped per section, counted up to the window. The page's
 * own candidates do when they reach below minScore; else the source is asked for a window's worth. Int8 scores
 * decide away from minScore, exact ones near it.
 */
function scoredCount(
  collection: Collection,
  query: Query,
  page: PageOptions,
  reached: Found | null,
  source: CandidateSource,
): number {
  const want = MAX_WINDOW + 1;
  let candidates = reached?.candidates;
  if (!candidates) {
    candidates = source(collection, query, want, page.perSection).candidates;
    candidates.sort((a, b) => b.approx - a.approx);
  }
  const above: Candidate[] = [];
  for (const candidate of candidates) {
    if (candidate.approx < page.minScore - INT8_ERROR || (page.perSection === 0 && above.length >= want)) break;
    const sure = candidate.approx >= page.minScore + INT8_ERROR;
    if (sure || dot(query.vector, collection.vectorOf(candidate.row)) >= page.minScore) above.push(candidate);
  }
  if (page.perSection === 0) return above.length;
  const sectionOf = collection.rows.sectionOf.data;
  return capPerSection(above, (c) => sectionOf[c.row]!, page.perSection, want).length;
}

/** The exact scan of the matching partitions when they are few (or no index exists), else the IVF lists. */
function chooseSource(collection: Collection, matcher: Matcher): CandidateSource {
  const { ivf } = collection;
  if (!ivf) return exactCandidates;
  const matched = collection.estimateMatches(matcher);
  if (matched <= collection.options.exactUpTo) return exactCandidates;
  return ivfCandidates(ivf, matched / Math.max(1, collection.rows.liveCount), collection.options.nprobe);
}

/**
 * Exact int8 scan of the matching partitions, deep enough that dead or filtered-out rows cannot starve the page.
 * The partitions' rows are copied out of the lists (a few contiguous runs per list) into one scratch chunk; when a
 * filter keeps a small share of them (one section of a specimen's plane), only those rows are copied and scanned.
 * With a per-section cap the best rows may crowd into a few sections, so the depth doubles until the capped rows
 * fill the page or the candidates run out.
 */
export function exactCandidates(collection: Collection, query: Query, need: number, perSection: number): Found {
  const { block, kept: partitionLive } = exactBlock(collection, collection.matchingPartitions(query.matcher));
  const passing = isRowLevel(query.matcher) ? passingRows(collection, block, query.matcher) : null;
  const kept = passing ? passing.length : partitionLive;
  if (kept === 0) return { candidates: [], floor: -Infinity };
  const want = need + 10;
  const sectionOf = collection.rows.sectionOf.data;
  for (let depth = 2 * need + 10; ; depth *= 2) {
    // `read`: the best rows of what was scanned, best first; `found`: those the filter keeps.
    const read: Candidate[] = [];
    let found: Candidate[] = read;
    if (passing && passing.length * 4 < block.n) {
      scanRows(collection, passing, query.q8, Math.min(depth, passing.length), read);
    } else {
      block.top(query.q8, depth + block.n - kept, read);
      found = read.filter((candidate) => collection.rowPasses(candidate.row, query.matcher));
    }
    const exhausted = found.length >= kept || depth >= kept;
    if (
      perSection === 0 ||
      exhausted ||
      capPerSection(found, (c) => sectionOf[c.row]!, perSection, want).length >= want
    ) {
      return { candidates: found, floor: exhausted ? -Infinity : read[read.length - 1]!.approx };
    }
  }
}

/**
 * The chunk holding the partitions' rows (dead ones included) and how many of them are live: the single list itself
 * when they are the whole collection, else their runs copied into the collection's scratch chunk.
 */
function exactBlock(collection: Collection, partitions: number[]): { block: Chunk; kept: number } {
  const kept = partitions.reduce((n, p) => n + collection.rows.partitions[p]!.live, 0);
  const { chunks } = collection.lists;
  if (chunks.length === 1 && kept === collection.rows.liveCount) return { block: chunks[0]!, kept };
  const scratch = collection.scratch;
  scratch.n = 0;
  collection.lists.gather(collection.rangesOf(partitions), scratch);
  return { block: scratch, kept };
}

function passingRows(collection: Collection, chunk: Chunk, matcher: Matcher): number[] {
  const out: number[] = [];
  for (let i = 0; i < chunk.n; i++) if (collection.rowPasses(chunk.rows[i]!, matcher)) out.push(chunk.rows[i]!);
  return out;
}

/** Top-k among a few rows: their int8 vectors copied into one fresh buffer for the SIMD scan. */
export function scanRows(collection: Collection, rows: number[], q8: Int8Array, k: number, out: Candidate[]): void {
  const { keys, distances } = usearch.exactSearch(
    collection.lists.collect(rows),
    q8,
    collection.dim,
    k,
    usearch.MetricKind.Cos,
    1,
  );
  for (let i = 0; i < keys.length; i++) out.push({ row: rows[Number(keys[i])]!, approx: 1 - distances[i]! });
}

/** Exact f32 score of every matching point (a heatmap over one section). */
export function scoreAll(collection: Collection, vector: Float32Array, filter: SearchFilter): ScoredPoint[] {
  const rows = collection.liveRows(compileFilter(filter)).map((row) => ({ row, approx: 0 }));
  return collection.rescore(vector, rows).sort(byScore);
}

/**
 * Best and median score per gestational week or region. Medians use the int8 scores (within ~0.01 of f32); each
 * value's best is rescored exactly from its few best int8 candidates.
 */
export function bestPerField(
  collection: Collection,
  vector: Float32Array,
  field: SummaryField,
  filter: SearchFilter,
): FieldSummary[] {
  const matcher = compileFilter(filter);
  const q8 = collection.quantizeQuery(vector);
  const byValue = new Map<string | number, Candidate[]>();
  const partitions = collection.matchingPartitions(matcher);
  const keep = new Uint8Array(collection.rows.partitions.length);
  for (const p of partitions) keep[p] = 1;
  // A filter keeping few points gathers their runs; a broad one reads every list in place (no scratch copy of it all).
  const few = collection.estimateMatches(matcher) <= collection.options.exactUpTo;
  const blocks = few ? [exactBlock(collection, partitions).block] : collection.lists.chunks;
  const found: Candidate[] = [];
  for (const block of blocks) block.top(q8, block.n, found);
  for (const candidate of found) {
    if (keep[collection.rows.partitionOf(candidate.row)] !== 1 || !collection.rowPasses(candidate.row, matcher))
      continue;
    const value =
      field === 'gestationalWeek'
        ? collection.rows.sectionFields(candidate.row).gestationalWeek
        : collection.rows.region(candidate.row).region;
    if (value === null) continue; // unannotated points have no region to summarise under
    const list = byValue.get(value);
    if (list) list.push(candidate);
    else byValue.set(value, [candidate]);
  }
  const summaries = summarise([...byValue].flatMap(([value, list]) => list.map((c) => ({ value, score: c.approx }))));
  for (const summary of summaries) {
    const list = byValue.get(summary.value)!.sort((a, b) => b.approx - a.approx);
    summary.best = Math.max(...collection.rescore(vector, list.slice(0, 5)).map((hit) => hit.score));
  }
  return summaries;
}
