import { regionColor, viridis } from '../colors.js';
import type { HeatCell, Polygon } from '../types.js';

interface Props {
  size: [number, number];
  box: [number, number, number, number];
  polygons: Polygon[];
  heat: HeatCell[] | null;
}

const ringPath = (rings: [number, number][][]) =>
  rings.map((ring) => `M${ring.map(([x, y]) => `${x},${y}`).join('L')}Z`).join('');

/** Drawn in level-0 pixels; strokes use non-scaling widths so they stay visible at any zoom. */
export function SectionOverlay({ size, box, polygons, heat }: Props) {
  const scores = heat?.map((c) => c.score) ?? [];
  const lo = Math.min(...scores),
    hi = Math.max(...scores);
  const t = (s: number) => (hi > lo ? (s - lo) / (hi - lo) : 1);
  return (
    <>
      {heat && (
        <g class="heatmap" data-cells={heat.length}>
          {heat.map((c, i) => (
            <rect
              key={i}
              x={c.bbox[0]}
              y={c.bbox[1]}
              width={c.bbox[2]}
              height={c.bbox[3]}
              fill={viridis(t(c.score))}
              fill-opacity={0.55}
            />
          ))}
        </g>
      )}
      <g class="region-polygons" data-count={polygons.length}>
        {polygons.map((p, i) => (
          <path
            key={i}
            d={ringPath(p.rings)}
            fill={regionColor(p.region, p.color)}
            fill-opacity={0.12}
            stroke={regionColor(p.region, p.color)}
            stroke-width={1.5}
            vector-effect="non-scaling-stroke"
            fill-rule="evenodd"
          >
            <title>{p.region}</title>
          </path>
        ))}
      </g>
      <rect
        class="tile-outline"
        x={box[0]}
        y={box[1]}
        width={box[2]}
        height={box[3]}
        fill="none"
        stroke="#ff2d55"
        stroke-width={3}
        vector-effect="non-scaling-stroke"
      />
      <rect x={0} y={0} width={size[0]} height={size[1]} fill="none" stroke="none" />
    </>
  );
}
