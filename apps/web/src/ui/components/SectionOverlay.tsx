import { regionColor, viridis } from '../colors.js';
import { labelPoint, smoothOutline, type Point, type Ring } from '../geometry.js';
import type { HeatCell, Polygon } from '../types.js';

/** A region polygon ready to draw: smoothed rings, its colour and where its label sits. */
export interface Outline {
  region: string;
  color: string;
  rings: Ring[];
  label: Point;
}

/** Smooths each polygon once (the overlay redraws on every change, the geometry need not). */
export function toOutlines(polygons: Polygon[]): Outline[] {
  return polygons.map((p) => {
    const rings = p.rings.map(smoothOutline).filter((r) => r.length >= 3);
    return { region: p.region, color: regionColor(p.region, p.color), rings, label: labelPoint(rings) };
  });
}

interface Props {
  size: [number, number];
  box: [number, number, number, number] | null;
  /** A whole-region result's own polygons (smoothed rings): highlighted in place of its box. */
  outline: Ring[][] | null;
  outlines: Outline[];
  showLabels: boolean;
  heat: HeatCell[] | null;
  heatRange: [number, number];
  heatOpacity: number;
}

const ringPath = (rings: Ring[]) =>
  rings.map((ring) => `M${ring.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join('L')}Z`).join('');

/**
 * Drawn in level-0 pixels; strokes use non-scaling widths so they stay visible at any zoom, and labels take their
 * size from `--label-size` (set by the viewer from the zoom) so they keep one screen size.
 */
export function SectionOverlay({ size, box, outline, outlines, showLabels, heat, heatRange, heatOpacity }: Props) {
  const [lo, hi] = heatRange;
  const t = (s: number) => (hi > lo ? (s - lo) / (hi - lo) : 1);
  // One label per region: the largest part's.
  const labelled = new Set<string>();
  return (
    <>
      {heat && (
        <g class="heatmap" data-cells={heat.length} fill-opacity={heatOpacity}>
          {heat.map((c, i) => (
            <rect key={i} x={c.bbox[0]} y={c.bbox[1]} width={c.bbox[2]} height={c.bbox[3]} fill={viridis(t(c.score))} />
          ))}
        </g>
      )}
      <g class="region-polygons" data-count={outlines.length}>
        {outlines.map((o, i) => (
          <path
            key={i}
            d={ringPath(o.rings)}
            data-region={o.region}
            fill={o.color}
            fill-opacity={0.12}
            stroke={o.color}
            stroke-width={1.5}
            stroke-linejoin="round"
            vector-effect="non-scaling-stroke"
            fill-rule="evenodd"
          >
            <title>{o.region}</title>
          </path>
        ))}
      </g>
      {showLabels && (
        <g class="region-labels">
          {[...outlines]
            .sort((a, b) => area(b.rings[0]!) - area(a.rings[0]!))
            .filter((o) => !labelled.has(o.region) && labelled.add(o.region))
            .map((o) => (
              <text key={o.region} x={o.label[0]} y={o.label[1]} text-anchor="middle" dominant-baseline="middle">
                {o.region}
              </text>
            ))}
        </g>
      )}
      {outline?.length ? (
        <path
          class="result-outline"
          d={outline.map(ringPath).join('')}
          data-parts={outline.length}
          fill="none"
          stroke="#ff2d55"
          stroke-width={3}
          stroke-linejoin="round"
          vector-effect="non-scaling-stroke"
        />
      ) : (
        box && (
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
        )
      )}
      <rect x={0} y={0} width={size[0]} height={size[1]} fill="none" stroke="none" />
    </>
  );
}

function area(ring: Ring): number {
  let a = 0;
  for (let i = 0; i < ring.length; i++) {
    const [p, q] = [ring[i]!, ring[(i + 1) % ring.length]!];
    a += p[0] * q[1] - q[0] * p[1];
  }
  return Math.abs(a) / 2;
}
