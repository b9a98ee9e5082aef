import type { ClassLabel } from '../types.js';

/** Horizontal bars, largest first, with a hidden table for screen readers. */
export function BarChart({ title, labels, unit }: { title: string; labels: ClassLabel[]; unit: string }) {
  const top = labels.slice(0, 8);
  if (top.length === 0) return null;
  const max = Math.max(...top.map((l) => l.score), 1e-9);
  const row = 22,
    W = 360,
    labelW = 70;
  return (
    <figure class="bar-chart">
      <figcaption>{title}</figcaption>
      <svg
        viewBox={`0 0 ${W} ${top.length * row}`}
        role="img"
        aria-label={`${title}: ${top.map((l) => `${l.acronym} ${l.score.toFixed(2)}`).join(', ')}`}
      >
        {top.map((l, i) => (
          <g key={l.acronym} transform={`translate(0 ${i * row})`} class="bar" data-acronym={l.acronym}>
            <title>{`${l.name}: ${l.score.toFixed(3)} ${unit}`}</title>
            <text x={labelW - 6} y={row * 0.7} text-anchor="end">
              {l.acronym}
            </text>
            <rect x={labelW} y={3} width={Math.max(1, ((W - labelW - 50) * l.score) / max)} height={row - 6} />
            <text x={labelW + ((W - labelW - 50) * l.score) / max + 4} y={row * 0.7}>
              {l.score.toFixed(2)}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}
