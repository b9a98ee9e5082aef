import type { FieldSummary, PointPayload, ScoredPoint } from './types.js';

export interface PageOptions {
  limit: number;
  offset: number;
  perSection: number;
  minScore: number;
}

/**
 * Turns candidates into a page: best first, at most `perSection` per section (0 = no cap), then offset, limit and
 * minScore. Both stores call it, so they page identically.
 */
export function selectPage(candidates: ScoredPoint[], page: PageOptions): ScoredPoint[] {
  const sorted = [...candidates].sort(byScore);
  const capped = page.perSection > 0 ? capPerSection(sorted, page.perSection, page.offset + page.limit) : sorted;
  return capped.slice(page.offset, page.offset + page.limit).filter((hit) => hit.score >= page.minScore);
}

export function capPerSection<T extends { payload: PointPayload }>(sorted: T[], cap: number, want: number): T[] {
  const taken = new Map<string, number>();
  const out: T[] = [];
  for (const hit of sorted) {
    const key = `${hit.payload.atlas}/${hit.payload.section}`;
    const n = taken.get(key) ?? 0;
    if (n >= cap) continue;
    taken.set(key, n + 1);
    out.push(hit);
    if (out.length >= want) break;
  }
  return out;
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
