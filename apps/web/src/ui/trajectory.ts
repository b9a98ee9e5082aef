import type { TrajectoryPoint } from './types.js';

/**
 * Runs of consecutive weeks that have data. A week with no tiles (null) or a jump of more than one week between
 * points ends a run, so a line never draws through an age that has no data.
 */
export function runs(points: TrajectoryPoint[], key: 'best' | 'median'): TrajectoryPoint[][] {
  const out: TrajectoryPoint[][] = [];
  let run: TrajectoryPoint[] | null = null;
  let last: number | null = null;
  for (const p of points) {
    if (p[key] === null) {
      run = null;
      continue;
    }
    if (!run || (last !== null && p.gestationalWeek - last > 1)) {
      run = [];
      out.push(run);
    }
    run.push(p);
    last = p.gestationalWeek;
  }
  return out;
}

/** Whole weeks from the first point to the last that have no data. */
export function gapWeeks(points: TrajectoryPoint[]): number[] {
  if (points.length === 0) return [];
  const have = new Set(points.filter((p) => p.best !== null).map((p) => Math.round(p.gestationalWeek)));
  const first = Math.round(points[0]!.gestationalWeek);
  const last = Math.round(points[points.length - 1]!.gestationalWeek);
  const gaps: number[] = [];
  for (let w = first; w <= last; w++) if (!have.has(w)) gaps.push(w);
  return gaps;
}

/** Whole weeks as short ranges for reading aloud: [15, 16, 17, 19] -> "15–17, 19". */
export function weekRanges(weeks: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < weeks.length; i++) {
    const start = weeks[i]!;
    while (i + 1 < weeks.length && weeks[i + 1] === weeks[i]! + 1) i++;
    parts.push(start === weeks[i] ? `${start}` : `${start}–${weeks[i]}`);
  }
  return parts.join(', ');
}
