import type { Polygon, RegionFeature } from './annotations.js';

/** Region labels on a coarse grid: label k > 0 is `regions[k - 1]`, 0 is unlabelled. */
export interface LabelMap {
  labels: Uint16Array;
  width: number;
  height: number;
  /** Level-0 pixels per label pixel. */
  downsample: number;
  /** Level-0 offset of the map's origin (0 for whole sections, a bbox corner for crops). */
  originX: number;
  originY: number;
  regions: string[];
}

/**
 * Scanline even-odd fill of one polygon (outer ring and holes together, so holes stay empty) onto `target`.
 * Pixel (px, py) is inside when its centre, mapped to level 0, is inside the polygon.
 */
export function fillPolygon(
  target: { width: number; height: number; downsample: number; originX: number; originY: number },
  polygon: Polygon,
  paint: (rowStart: number, from: number, to: number) => void,
): void {
  const { width, height, downsample: d, originX, originY } = target;
  const edges: number[] = []; // x0, y0, x1, y1 in label-pixel units
  let minY = Infinity;
  let maxY = -Infinity;
  for (const ring of polygon) {
    for (let i = 0; i + 3 < ring.length; i += 2) {
      const y0 = (ring[i + 1]! - originY) / d;
      const y1 = (ring[i + 3]! - originY) / d;
      if (y0 === y1) continue;
      edges.push((ring[i]! - originX) / d, y0, (ring[i + 2]! - originX) / d, y1);
      minY = Math.min(minY, y0, y1);
      maxY = Math.max(maxY, y0, y1);
    }
  }
  // Edges enter an active list as the scanline reaches their top and leave below their bottom: a row looks only
  // at the edges that cross it, not at every edge of the polygon.
  const count = edges.length / 4;
  const top = (e: number) => Math.min(edges[e * 4 + 1]!, edges[e * 4 + 3]!);
  const bottom = (e: number) => Math.max(edges[e * 4 + 1]!, edges[e * 4 + 3]!);
  const order = Array.from({ length: count }, (_, e) => e).sort((a, b) => top(a) - top(b));
  const active: number[] = [];
  let next = 0;
  const xs: number[] = [];
  const rowFrom = Math.max(0, Math.floor(minY - 0.5));
  const rowTo = Math.min(height - 1, Math.ceil(maxY));
  for (let py = rowFrom; py <= rowTo; py++) {
    const cy = py + 0.5;
    while (next < count && top(order[next]!) <= cy) active.push(order[next++]!);
    xs.length = 0;
    let kept = 0;
    for (const e of active) {
      if (bottom(e) <= cy) continue; // passed: dropped from the list
      active[kept++] = e;
      // Half-open rule (top <= cy < bottom) so a vertex shared by two edges counts once.
      const [x0, y0, x1, y1] = [edges[e * 4]!, edges[e * 4 + 1]!, edges[e * 4 + 2]!, edges[e * 4 + 3]!];
      xs.push(x0 + ((cy - y0) / (y1 - y0)) * (x1 - x0));
    }
    active.length = kept;
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(width - 1, Math.ceil(xs[k + 1]! - 0.5) - 1);
      if (to >= from) paint(py * width, from, to);
    }
  }
}

/**
 * Rasterises region features to a label map. Larger regions are painted first so a smaller region drawn inside a
 * larger one (a child inside its parent, a nucleus inside a zone) keeps its own label.
 */
export function rasteriseRegions(
  features: RegionFeature[],
  grid: { width: number; height: number; downsample: number; originX?: number; originY?: number },
): LabelMap {
  const map: LabelMap = {
    labels: new Uint16Array(grid.width * grid.height),
    width: grid.width,
    height: grid.height,
    downsample: grid.downsample,
    originX: grid.originX ?? 0,
    originY: grid.originY ?? 0,
    regions: [],
  };
  const index = new Map<string, number>();
  for (const f of [...features].sort((a, b) => b.area - a.area)) {
    let label = index.get(f.region);
    if (label === undefined) {
      map.regions.push(f.region);
      label = map.regions.length;
      index.set(f.region, label);
    }
    const value = label;
    for (const polygon of f.polygons) {
      fillPolygon(map, polygon, (row, from, to) => map.labels.fill(value, row + from, row + to + 1));
    }
  }
  return map;
}

/** A 0/1 mask of one region's polygons (for masked region crops). */
export function rasteriseMask(
  feature: RegionFeature,
  grid: { width: number; height: number; downsample: number; originX: number; originY: number },
): Uint8Array {
  const mask = new Uint8Array(grid.width * grid.height);
  for (const polygon of feature.polygons) {
    // Each polygon filled on its own, then OR-ed, so overlapping MultiPolygon parts do not cancel out (even-odd).
    const part = new Uint8Array(mask.length);
    fillPolygon({ ...grid }, polygon, (row, from, to) => part.fill(1, row + from, row + to + 1));
    for (let i = 0; i < mask.length; i++) if (part[i]) mask[i] = 1;
  }
  return mask;
}
