import { gapWeeks, runs, weekRanges } from '../trajectory.js';
import type { TrajectoryPoint } from '../types.js';

const W = 640,
  H = 260,
  M = { l: 48, r: 16, t: 16, b: 40 };

export function TrajectoryChart({ points, query }: { points: TrajectoryPoint[]; query: string }) {
  if (points.length === 0) return <p>No ages to chart.</p>;
  const weeks = points.map((p) => p.gestationalWeek);
  const [w0, w1] = [Math.min(...weeks) - 0.5, Math.max(...weeks) + 0.5];
  const values = points.flatMap((p) => [p.best, p.median]).filter((v): v is number => v !== null);
  const [s0, s1] = [Math.min(0, ...values), Math.max(...values, 0.01)];
  const x = (w: number) => M.l + ((w - w0) / (w1 - w0)) * (W - M.l - M.r);
  const y = (s: number) => H - M.b - ((s - s0) / (s1 - s0)) * (H - M.t - M.b);
  const line = (run: TrajectoryPoint[], key: 'best' | 'median') =>
    run.map((p, i) => `${i ? 'L' : 'M'}${x(p.gestationalWeek)},${y(p[key]!)}`).join('');
  const gaps = gapWeeks(points);
  const ticks = Array.from({ length: Math.floor(w1) - Math.ceil(w0) + 1 }, (_, i) => Math.ceil(w0) + i);
  const step = Math.ceil(ticks.length / 12);
  return (
    <figure class="trajectory">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="trajectory-caption">
        {gaps.map((g) => (
          <rect key={g} class="gap" x={x(g - 0.5)} y={M.t} width={x(g + 0.5) - x(g - 0.5)} height={H - M.t - M.b}>
            <title>{g} GW: no data</title>
          </rect>
        ))}
        <line x1={M.l} x2={W - M.r} y1={H - M.b} y2={H - M.b} class="axis" />
        <line x1={M.l} x2={M.l} y1={M.t} y2={H - M.b} class="axis" />
        {ticks
          .filter((_, i) => i % step === 0)
          .map((t) => (
            <text key={t} x={x(t)} y={H - M.b + 16} text-anchor="middle">
              {t}
            </text>
          ))}
        <text x={(W + M.l) / 2} y={H - 6} text-anchor="middle">
          gestational week
        </text>
        {[s0, (s0 + s1) / 2, s1].map((s) => (
          <text key={s} x={M.l - 6} y={y(s) + 4} text-anchor="end">
            {s.toFixed(2)}
          </text>
        ))}
        {runs(points, 'best').map((run, i) => (
          <path key={`b${i}`} class="best" d={line(run, 'best')} />
        ))}
        {runs(points, 'median').map((run, i) => (
          <path key={`m${i}`} class="median" d={line(run, 'median')} />
        ))}
        {points
          .filter((p) => p.best !== null)
          .map((p) => (
            <circle key={`b${p.gestationalWeek}`} class="best" cx={x(p.gestationalWeek)} cy={y(p.best!)} r={4} />
          ))}
        {points
          .filter((p) => p.median !== null)
          .map((p) => (
            <circle key={`m${p.gestationalWeek}`} class="median" cx={x(p.gestationalWeek)} cy={y(p.median!)} r={4} />
          ))}
        <g class="legend" transform={`translate(${W - M.r - 130} ${H - 10})`}>
          <circle class="best" cx={6} cy={0} r={4} />
          <text x={16} y={4}>
            best
          </text>
          <circle class="median" cx={66} cy={0} r={4} />
          <text x={76} y={4}>
            median
          </text>
        </g>
      </svg>
      <figcaption id="trajectory-caption">
        Best (filled) and median (hollow) score per gestational week for “{query}”.{' '}
        {gaps.length ? `No data at ${weekRanges(gaps)} GW (grey).` : ''}
      </figcaption>
      <table class="sr-only">
        <thead>
          <tr>
            <th>Week</th>
            <th>Best</th>
            <th>Median</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.gestationalWeek}>
              <td>{p.gestationalWeek}</td>
              <td>{p.best?.toFixed(3) ?? 'no data'}</td>
              <td>{p.median?.toFixed(3) ?? 'no data'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
