import { useState } from 'preact/hooks';
import { gapWeeks, runs, weekRanges, weekTicks } from '../trajectory.js';
import type { TrajectoryPoint } from '../types.js';

const W = 640,
  H = 260,
  M = { l: 48, r: 16, t: 30, b: 40 };

type Series = 'topMean' | 'median';

interface Props {
  points: TrajectoryPoint[];
  query: string;
  /** The specimens' ages: the axis is ticked at them, not at round numbers. */
  specimenWeeks: number[];
  /** How many best items of a week `topMean` averages. */
  topK: number;
  /** A week chosen (click or Enter on its column): show its best results. */
  onWeek?(week: number): void;
}

/**
 * Per gestational week: the mean of its top k scores (which, unlike the maximum, does not climb with how many tiles an
 * age happens to have) and the median. Hovering or focusing a week shows its values; choosing it shows its best tiles.
 */
export function TrajectoryChart({ points, query, specimenWeeks, topK, onWeek }: Props) {
  const [hover, setHover] = useState<number | null>(null);
  if (points.length === 0) return <p>No ages to chart.</p>;
  const weeks = points.map((p) => p.gestationalWeek);
  const ticks = weekTicks(specimenWeeks, weeks);
  const [w0, w1] = [Math.min(...ticks) - 0.5, Math.max(...ticks) + 0.5];
  const values = points.flatMap((p) => [p.topMean, p.median, p.best]).filter((v): v is number => v !== null);
  const [s0, s1] = [Math.min(0, ...values), Math.max(...values, 0.01)];
  const x = (w: number) => M.l + ((w - w0) / (w1 - w0)) * (W - M.l - M.r);
  const y = (s: number) => H - M.b - ((s - s0) / (s1 - s0)) * (H - M.t - M.b);
  const line = (run: TrajectoryPoint[], key: Series) =>
    run.map((p, i) => `${i ? 'L' : 'M'}${x(p.gestationalWeek)},${y(p[key]!)}`).join('');
  const gaps = gapWeeks(points, ticks);
  const column = Math.max(14, Math.min(48, (W - M.l - M.r) / Math.max(ticks.length, 1) - 4));
  const shown = points.find((p) => p.gestationalWeek === hover) ?? null;
  return (
    <figure class="trajectory">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="trajectory-caption">
        {gaps.map((g) => (
          <rect key={g} class="gap" x={x(g) - column / 2} y={M.t} width={column} height={H - M.t - M.b}>
            <title>{g} GW: no data</title>
          </rect>
        ))}
        <line x1={M.l} x2={W - M.r} y1={H - M.b} y2={H - M.b} class="axis" />
        <line x1={M.l} x2={M.l} y1={M.t} y2={H - M.b} class="axis" />
        {ticks.map((t) => (
          <g key={t} class="tick" data-week={t}>
            <line x1={x(t)} x2={x(t)} y1={H - M.b} y2={H - M.b + 5} class="axis" />
            <text x={x(t)} y={H - M.b + 18} text-anchor="middle">
              {t}
            </text>
          </g>
        ))}
        <text x={(W + M.l) / 2} y={H - 4} text-anchor="middle">
          gestational week (ticks at the specimens' ages)
        </text>
        {[s0, (s0 + s1) / 2, s1].map((s) => (
          <text key={s} x={M.l - 6} y={y(s) + 4} text-anchor="end">
            {s.toFixed(2)}
          </text>
        ))}
        {runs(points, 'topMean', ticks).map((run, i) => (
          <path key={`t${i}`} class="top-mean" d={line(run, 'topMean')} />
        ))}
        {runs(points, 'median', ticks).map((run, i) => (
          <path key={`m${i}`} class="median" d={line(run, 'median')} />
        ))}
        {points.map((p) => (
          <g key={p.gestationalWeek}>
            {p.best !== null && <path class="best" d={cross(x(p.gestationalWeek), y(p.best))} />}
            {p.topMean !== null && <circle class="top-mean" cx={x(p.gestationalWeek)} cy={y(p.topMean)} r={4} />}
            {p.median !== null && <circle class="median" cx={x(p.gestationalWeek)} cy={y(p.median)} r={4} />}
          </g>
        ))}
        {points
          .filter((p) => p.topMean !== null)
          .map((p) => (
            <rect
              key={`h${p.gestationalWeek}`}
              class={`week-hit${hover === p.gestationalWeek ? ' on' : ''}`}
              data-week={p.gestationalWeek}
              x={x(p.gestationalWeek) - column / 2}
              y={M.t}
              width={column}
              height={H - M.t - M.b}
              tabIndex={onWeek ? 0 : -1}
              role={onWeek ? 'button' : undefined}
              aria-label={`${describe(p, topK)}${onWeek ? '. Show its best results' : ''}`}
              onMouseEnter={() => setHover(p.gestationalWeek)}
              onMouseLeave={() => setHover(null)}
              onFocus={() => setHover(p.gestationalWeek)}
              onBlur={() => setHover(null)}
              onClick={() => onWeek?.(p.gestationalWeek)}
              onKeyDown={(e) =>
                (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), onWeek?.(p.gestationalWeek))
              }
            />
          ))}
        <g class="legend" transform={`translate(${M.l + 8} 14)`}>
          <circle class="top-mean" cx={6} cy={0} r={4} />
          <text x={16} y={4}>
            mean of top {topK}
          </text>
          <circle class="median" cx={126} cy={0} r={4} />
          <text x={136} y={4}>
            median
          </text>
          <path class="best" d={cross(206, 0)} />
          <text x={216} y={4}>
            best
          </text>
        </g>
      </svg>
      <p class="trajectory-readout" aria-live="polite">
        {shown
          ? describe(shown, topK)
          : onWeek
            ? 'Hover over a week for its values; click it for its best results.'
            : ''}
      </p>
      <figcaption id="trajectory-caption">
        Mean of the top {topK} scores (filled), median (hollow) and best (×) per gestational week for “{query}”.{' '}
        {gaps.length ? `No data at ${weekRanges(gaps)} GW (grey).` : ''}
      </figcaption>
      <table class="sr-only">
        <thead>
          <tr>
            <th>Week</th>
            <th>Mean of top {topK}</th>
            <th>Median</th>
            <th>Best</th>
            <th>Items</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.gestationalWeek}>
              <td>{p.gestationalWeek}</td>
              <td>{p.topMean?.toFixed(3) ?? 'no data'}</td>
              <td>{p.median?.toFixed(3) ?? 'no data'}</td>
              <td>{p.best?.toFixed(3) ?? 'no data'}</td>
              <td>{p.count ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

const cross = (cx: number, cy: number) =>
  `M${cx - 4},${cy - 4}L${cx + 4},${cy + 4}M${cx - 4},${cy + 4}L${cx + 4},${cy - 4}`;

function describe(p: TrajectoryPoint, topK: number): string {
  const f = (v: number | null) => v?.toFixed(3) ?? '—';
  const count = p.count === undefined ? '' : ` · ${p.count.toLocaleString('en')} items`;
  return `${p.gestationalWeek} GW: mean of top ${topK} ${f(p.topMean)} · median ${f(p.median)} · best ${f(p.best)}${count}`;
}
