import type { LabelMap } from './section.js';

export type Ring = number[][];
/** A polygon: its outer ring, then its holes; coordinates in level-0 pixels. */
export type PolygonRings = Ring[];

/** Directed boundary edges of one label, region on the right of travel (image coordinates, y down). */
function boundaryEdges(map: LabelMap, label: number): Map<number, number[]> {
  const { width: w, height: h } = map;
  const out = new Map<number, number[]>();
  const add = (i0: number, j0: number, i1: number, j1: number) => {
    const key = j0 * (w + 1) + i0;
    const list = out.get(key);
    const end = j1 * (w + 1) + i1;
    if (list) list.push(end);
    else out.set(key, [end]);
  };
  const at = (i: number, j: number) => (i < 0 || j < 0 || i >= w || j >= h ? -1 : map.label[j * w + i]!);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      if (map.label[j * w + i] !== label) continue;
      if (at(i, j - 1) !== label) add(i, j, i + 1, j);
      if (at(i + 1, j) !== label) add(i + 1, j, i + 1, j + 1);
      if (at(i, j + 1) !== label) add(i + 1, j + 1, i, j + 1);
      if (at(i - 1, j) !== label) add(i, j + 1, i, j);
    }
  }
  return out;
}

/** Chains edges into closed rings; at a corner shared diagonally, it turns right so touching blocks stay apart. */
function chainRings(edges: Map<number, number[]>, w: number): number[][] {
  const stride = w + 1;
  const rings: number[][] = [];
  for (const [start, list] of edges) {
    while (list.length > 0) {
      const ring: number[] = [start];
      let prev = start;
      let cur = list.pop()!;
      while (cur !== start) {
        ring.push(cur);
        const next = edges.get(cur)!;
        let pick = next.length - 1;
        if (next.length > 1) {
          const hx = (cur % stride) - (prev % stride);
          const hy = Math.floor(cur / stride) - Math.floor(prev / stride);
          pick = next.findIndex(
            (n) => (n % stride) - (cur % stride) === -hy && Math.floor(n / stride) - Math.floor(cur / stride) === hx,
          );
          if (pick < 0) pick = next.length - 1;
        }
        prev = cur;
        cur = next.splice(pick, 1)[0]!;
      }
      rings.push(ring);
    }
  }
  return rings;
}

/** Keeps only the corners of a ring of grid vertices and scales it to level-0 pixels (closed, GeoJSON style). */
function corners(ring: number[], w: number, scale: number): Ring {
  const stride = w + 1;
  const pts = ring.map((v) => [v % stride, Math.floor(v / stride)] as [number, number]);
  const out: Ring = [];
  for (let k = 0; k < pts.length; k++) {
    const a = pts[(k - 1 + pts.length) % pts.length]!;
    const b = pts[k]!;
    const c = pts[(k + 1) % pts.length]!;
    const cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
    if (cross !== 0) out.push([b[0] * scale, b[1] * scale]);
  }
  out.push([...out[0]!]);
  return out;
}

function signedArea(ring: Ring): number {
  let s = 0;
  for (let k = 0; k + 1 < ring.length; k++) s += ring[k]![0]! * ring[k + 1]![1]! - ring[k + 1]![0]! * ring[k]![1]!;
  return s / 2;
}

export function pointInRing(ring: Ring, x: number, y: number): boolean {
  let inside = false;
  for (let a = 0, b = ring.length - 2; a < ring.length - 1; b = a++) {
    const [xa, ya] = ring[a] as [number, number];
    const [xb, yb] = ring[b] as [number, number];
    if (ya > y !== yb > y && x < ((xb - xa) * (y - ya)) / (yb - ya) + xa) inside = !inside;
  }
  return inside;
}

/** A point just inside the region beside a ring's first edge (the region lies to the right of travel). */
function insidePoint(ring: Ring): [number, number] {
  const [x0, y0] = ring[0] as [number, number];
  const [x1, y1] = ring[1] as [number, number];
  const len = Math.hypot(x1 - x0, y1 - y0) || 1;
  const dx = (x1 - x0) / len;
  const dy = (y1 - y0) / len;
  return [x0 + dx * 0.5 - dy * 0.25, y0 + dy * 0.5 + dx * 0.25];
}

/** Polygons (outer ring + holes) of every block carrying `label`, in level-0 pixel coordinates. */
export function labelPolygons(map: LabelMap, label: number): PolygonRings[] {
  const rings = chainRings(boundaryEdges(map, label), map.width).map((r) => corners(r, map.width, map.step));
  const outers: PolygonRings[] = [];
  const holes: Ring[] = [];
  for (const ring of rings) {
    if (signedArea(ring) > 0) outers.push([ring]);
    else holes.push(ring);
  }
  for (const hole of holes) {
    const [x, y] = insidePoint(hole);
    // The innermost outer ring around the hole owns it (an island inside a hole sits inside two outer rings).
    let owner: PolygonRings | undefined;
    let ownerArea = Infinity;
    for (const p of outers) {
      const area = signedArea(p[0]!);
      if (area < ownerArea && pointInRing(p[0]!, x, y)) [owner, ownerArea] = [p, area];
    }
    owner?.push(hole);
  }
  return outers;
}
