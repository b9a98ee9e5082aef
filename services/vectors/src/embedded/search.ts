import type { SearchFilter } from '@cytoclip/domain';
import { byScore, capPerSection, selectPage, summarise, type PageOptions } from '../ranking.js';
import type { FieldSummary, ScoredPoint, SummaryField } from '../types.js';
import type { Candidate } from './chunk.js';
import type { Collection } from './collection.js';
import { compileFilter, type Matcher } from './matcher.js';

export interface Query {
  vector: Float32Array;
  q8: Int8Array;
  matcher: Matcher;
}

/** Something that proposes candidate rows by int8 score; the exact rescoring and paging happen after it. */
export type CandidateSource = (collection: Collection, query: Query, need: number, perSection: number) => Candidate[];

/**
 * Top-k: candidates by int8 cosine, the best of them rescored in f32 from disk, then capped per section and paged.
 * Candidates come from the matching sections' chunks (exact) unless `source` (the IVF index) is given.
 */
export function searchCollection(
  collection: Collection,
  vector: Float32Array,
  filter: SearchFilter,
  page: PageOptions,
  source: CandidateSource = exactCandidates,
): ScoredPoint[] {
  const query: Query = { vector, q8: collection.quantizeQuery(vector), matcher: compileFilter(filter) };
  const need = page.offset + page.limit;
  const candidates = source(collection, query, need, page.perSection);
  const approx = candidates.map((c) => ({ ...c, payload: collection.payloadOf(c.row), id: '', score: c.approx }));
  approx.sort(byScore);
  // Rescore a margin beyond the page: int8 order and f32 order differ only among near-equal scores.
  const margin = 2 * need + 20;
  const chosen = page.perSection > 0 ? capPerSection(approx, 2 * page.perSection + 2, margin) : approx.slice(0, margin);
  return selectPage(collection.rescore(vector, chosen), page);
}

/** Exact int8 scan of the matching sections, deep enough that dead or out-of-subtree rows cannot starve the page. */
export function exactCandidates(collection: Collection, query: Query, need: number, perSection: number): Candidate[] {
  const want = 2 * (perSection > 0 ? Math.min(perSection, need) : need) + 10;
  const out: Candidate[] = [];
  for (const g of collection.matchingGroups(query.matcher)) {
    const group = collection.rows.groups[g]!;
    const excluded = group.chunk.n - countPassing(collection, group.chunk.rows, group.chunk.n, query.matcher);
    const found: Candidate[] = [];
    group.chunk.top(query.q8, want + excluded, found);
    for (const candidate of found) if (collection.rowPasses(candidate.row, query.matcher)) out.push(candidate);
  }
  return out;
}

function countPassing(collection: Collection, rows: Uint32Array, n: number, matcher: Matcher): number {
  if (!matcher.region) return n - deadIn(collection, rows, n);
  let passing = 0;
  for (let i = 0; i < n; i++) if (collection.rowPasses(rows[i]!, matcher)) passing++;
  return passing;
}

function deadIn(collection: Collection, rows: Uint32Array, n: number): number {
  const group = collection.rows.groups[collection.rows.groupOf[rows[0]!]!]!;
  // A chunk's rows all belong to one group, whose live count is kept up to date.
  return n === 0 ? 0 : n - group.live;
}

/** Exact f32 score of every matching point (a heatmap over one section). */
export function scoreAll(collection: Collection, vector: Float32Array, filter: SearchFilter): ScoredPoint[] {
  const matcher = compileFilter(filter);
  const rows = collection.liveRows(matcher.group, matcher).map((row) => ({ row, approx: 0 }));
  return collection.rescore(vector, rows).sort(byScore);
}

/**
 * Best and median score per gestational week or region. Medians use the int8 scores (within ~0.01 of f32); each
 * value's best is rescored exactly from its few best int8 candidates.
 */
export function bestPerField(collection: Collection, vector: Float32Array, field: SummaryField, filter: SearchFilter): FieldSummary[] {
  const matcher = compileFilter(filter);
  const q8 = collection.quantizeQuery(vector);
  const byValue = new Map<string | number, Candidate[]>();
  for (const g of collection.matchingGroups(matcher)) {
    const { chunk } = collection.rows.groups[g]!;
    const found: Candidate[] = [];
    chunk.top(q8, chunk.n, found);
    for (const candidate of found) {
      if (!collection.rowPasses(candidate.row, matcher)) continue;
      const payload = collection.payloadOf(candidate.row);
      const value = field === 'gestationalWeek' ? payload.gestationalWeek : payload.region;
      const list = byValue.get(value);
      if (list) list.push(candidate);
      else byValue.set(value, [candidate]);
    }
  }
  const summaries = summarise([...byValue].flatMap(([value, list]) => list.map((c) => ({ value, score: c.approx }))));
  for (const summary of summaries) {
    const list = byValue.get(summary.value)!.sort((a, b) => b.approx - a.approx);
    summary.best = Math.max(...collection.rescore(vector, list.slice(0, 5)).map((hit) => hit.score));
  }
  return summaries;
}
