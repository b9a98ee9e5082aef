import type { TrajectoryPoint } from './types.js';

/**
 * Runs of consecutive weeks that have data. A week with no data (null) ends a run, and so does a jump past a week the
 * axis lists (`weeks`: the specimens' ages; by default every whole week), so a line never draws through an age that
 * has no data, yet joins two specimens' ages with no specimen between them.
 */
export function runs(
  points: TrajectoryPoint[],
  key: 'best' | 'median' | 'topMean',
  weeks?: number[],
): TrajectoryPoint[][] {
  const out: TrajectoryPoint[][] = [];
  let run: TrajectoryPoint[] | null = null;
  let last: number | null = null;
  const skipsAWeek = (from: number, to: number) => (weeks ? weeks.some((w) => w > from && w < to) : to - from > 1);
  for (const p of points) {
    if (p[key] === null) {
      run = null;
      continue;
    }
    if (!run || (last !== null && skipsAWeek(last, p.gestationalWeek))) {
      run = [];
      out.push(run);
    }
    run.push(p);
    last = p.gestationalWeek;
  }
  return out;
}

/**
 * Weeks without data: of the axis's weeks when given (the specimens' ages the filter or the index left empty), else
 * every whole week from the first point to the last.
 */
export function gapWeeks(points: TrajectoryPoint[], weeks?: number[]): number[] {
  if (points.length === 0) return [];
  const have = new Set(points.filter((p) => p.best !== null).map((p) => Math.round(p.gestationalWeek)));
  if (weeks) return weeks.filter((w) => !have.has(Math.round(w)));
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

/**
 * The weeks the axis is ticked at: the specimens' ages (and any week with data the specimen list lacks), ascending and
 * unique, so a tick marks an age the atlas has rather than a round number.
 */
export function weekTicks(specimenWeeks: number[], dataWeeks: number[]): number[] {
  return [...new Set([...specimenWeeks, ...dataWeeks])].sort((a, b) => a - b);
}
