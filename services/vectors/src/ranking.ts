import type { FieldSummary, ScoredPoint, SearchPage } from './types.js';
import { MAX_WINDOW } from './validate.js';

export interface PageOptions {
  limit: number;
  offset: number;
  perSection: number;
  minScore: number;
}

/**
 * The per-section cap (the embedded store's only one; Qdrant's is its groups API): best first, at most `cap` items
 * per section, until `want` are kept. `spare` more per section ride along without counting towards `want`: int8
 * candidates carry them so that the exact order inside a section can still pick its best `cap`.
 */
export function capPerSection<T>(
  sorted: readonly T[],
  sectionOf: (item: T) => number | string,
  cap: number,
  want: number,
  spare = 0,
): T[] {
  const taken = new Map<number | string, number>();
  const out: T[] = [];
  let counted = 0;
  for (const item of sorted) {
    if (counted >= want) break;
    const key = sectionOf(item);
    const n = taken.get(key) ?? 0;
    if (n >= cap + spare) continue;
    taken.set(key, n + 1);
    out.push(item);
    if (n < cap) counted++;
  }
  return out;
}

/** How many items `capPerSection` keeps from sections holding these many each. */
export function cappedCount(perSection: Iterable<number>, cap: number): number {
  let total = 0;
  for (const n of perSection) total += Math.min(n, cap);
  return total;
}

/** The page of a ranking already capped and sorted best first: offset, limit, then minScore. */
export function pageOf<T extends { score: number }>(sorted: readonly T[], page: Omit<PageOptions, 'perSection'>): T[] {
  return sorted.slice(page.offset, page.offset + page.limit).filter((hit) => hit.score >= page.minScore);
}

/**
 * The total a page proves by itself: a page that is short but not empty (or the first page, empty or short) is the
 * last one, so every hit lies before its end. Null when the page cannot tell.
 */
export function totalFromPage(returned: number, page: Pick<PageOptions, 'offset' | 'limit'>): number | null {
  return returned < page.limit && (returned > 0 || page.offset === 0) ? page.offset + returned : null;
}

/** `total` of a search whose pages hold `count` hits (counted at least up to MAX_WINDOW + 1). */
export function windowTotal(count: number): Pick<SearchPage, 'total' | 'totalExact'> {
  return { total: Math.min(count, MAX_WINDOW), totalExact: count <= MAX_WINDOW };
}

/** Best first; ties broken by id so both stores order equal scores the same way. */
export function byScore(a: ScoredPoint, b: ScoredPoint): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Best and median score per value of a field, values in ascending order. */
export function summarise(scored: { value: string | number; score: number }[]): FieldSummary[] {
  const groups = new Map<string | number, number[]>();
  for (const { value, score } of scored) {
    const list = groups.get(value);
    if (list) list.push(score);
    else groups.set(value, [score]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([value, scores]) => {
      scores.sort((x, y) => x - y);
      return { value, best: scores[scores.length - 1]!, median: median(scores), count: scores.length };
    });
}

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
