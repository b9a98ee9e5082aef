/**
 * Pure geometry of the section viewer, in level-0 pixels: region outlines smoothed out of their mask's pixel
 * staircase, hit-testing a click against them, where a region's label goes, and a scale bar's length.
 */
export type Point = [number, number];
export type Ring = Point[];

const closed = (ring: Ring) => {
  const [a, b] = [ring[0], ring[ring.length - 1]];
  return a && b && a[0] === b[0] && a[1] === b[1] ? ring.slice(0, -1) : ring;
};

function distanceToSegment([px, py]: Point, [ax, ay]: Point, [bx, by]: Point): number {
  const [dx, dy] = [bx - ax, by - ay];
  const length2 = dx * dx + dy * dy;
  const t = length2 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length2)) : 0;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Douglas–Peucker on an open polyline: the fewest points within `tolerance` of the original. */
function simplifyLine(points: Ring, tolerance: number): Ring {
  if (points.length < 3) return points;
  let [worst, at] = [0, 0];
  for (let i = 1; i < points.length - 1; i++) {
    const d = distanceToSegment(points[i]!, points[0]!, points[points.length - 1]!);
    if (d > worst) [worst, at] = [d, i];
  }
  if (worst <= tolerance) return [points[0]!, points[points.length - 1]!];
  const left = simplifyLine(points.slice(0, at + 1), tolerance);
  return [...left.slice(0, -1), ...simplifyLine(points.slice(at), tolerance)];
}

/** A closed ring (first point not repeated at the end) simplified; split at its farthest point so both halves bend. */
export function simplifyRing(ring: Ring, tolerance: number): Ring {
  const open = closed(ring);
  if (open.length < 5) return open;
  const start = open[0]!;
  let far = 1;
  for (let i = 1; i < open.length; i++)
    if (
      Math.hypot(open[i]![0] - start[0], open[i]![1] - start[1]) >
      Math.hypot(open[far]![0] - start[0], open[far]![1] - start[1])
    )
      far = i;
  const a = simplifyLine(open.slice(0, far + 1), tolerance);
  const b = simplifyLine([...open.slice(far), start], tolerance);
  const out = [...a.slice(0, -1), ...b.slice(0, -1)];
  return out.length >= 3 ? out : open;
}

/** Chaikin corner cutting on a closed ring: each pass replaces a corner by two points a quarter along its edges. */
export function chaikin(ring: Ring, passes = 2): Ring {
  let out = closed(ring);
  for (let p = 0; p < passes && out.length >= 3; p++) {
    const next: Ring = [];
    for (let i = 0; i < out.length; i++) {
      const [a, b] = [out[i]!, out[(i + 1) % out.length]!];
      next.push([0.75 * a[0] + 0.25 * b[0], 0.75 * a[1] + 0.25 * b[1]]);
      next.push([0.25 * a[0] + 0.75 * b[0], 0.25 * a[1] + 0.75 * b[1]]);
    }
    out = next;
  }
  return out;
}

/** The step of a mask's staircase: the median edge length of the ring. */
function typicalStep(ring: Ring): number {
  const lengths = ring.map((p, i) => {
    const q = ring[(i + 1) % ring.length]!;
    return Math.hypot(q[0] - p[0], q[1] - p[1]);
  });
  lengths.sort((a, b) => a - b);
  return lengths[lengths.length >> 1] ?? 0;
}

/**
 * A region outline as a reader expects it: the staircase of the mask it was traced from simplified within about one
 * mask pixel, then rounded by Chaikin's corner cutting (which stays inside the simplified polygon's hull).
 */
export function smoothOutline(ring: Ring): Ring {
  const open = closed(ring);
  if (open.length < 5) return open;
  return chaikin(simplifyRing(open, Math.max(1, typicalStep(open)) * 1.2), 2);
}

/** Whether a point lies inside a polygon's rings (even–odd: a hole's inside is outside). */
export function insideRings([x, y]: Point, rings: Ring[]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** Signed-area centroid of a ring (its vertex mean when degenerate). */
function centroid(ring: Ring): Point {
  let [a, cx, cy] = [0, 0, 0];
  for (let i = 0; i < ring.length; i++) {
    const [x0, y0] = ring[i]!;
    const [x1, y1] = ring[(i + 1) % ring.length]!;
    const cross = x0 * y1 - x1 * y0;
    a += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  if (Math.abs(a) < 1e-9)
    return [ring.reduce((s, p) => s + p[0], 0) / ring.length, ring.reduce((s, p) => s + p[1], 0) / ring.length];
  return [cx / (3 * a), cy / (3 * a)];
}

/**
 * Where a region's label goes: its outer ring's centroid when that lies inside the region, else the middle of the
 * widest inside run of the horizontal line through it (a crescent's centroid lies outside it).
 */
export function labelPoint(rings: Ring[]): Point {
  const c = centroid(rings[0]!);
  if (insideRings(c, rings)) return c;
  const xs: number[] = [];
  for (const ring of rings)
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [[xi, yi], [xj, yj]] = [ring[i]!, ring[j]!];
      if (yi > c[1] !== yj > c[1]) xs.push(((xj - xi) * (c[1] - yi)) / (yj - yi) + xi);
    }
  xs.sort((a, b) => a - b);
  let best: Point = rings[0]![0]!;
  let width = -1;
  for (let i = 0; i + 1 < xs.length; i += 2)
    if (xs[i + 1]! - xs[i]! > width) [width, best] = [xs[i + 1]! - xs[i]!, [(xs[i]! + xs[i + 1]!) / 2, c[1]]];
  return best;
}

/**
 * A scale bar of a round length (1, 2 or 5 × 10ⁿ µm) at most `maxPx` screen pixels long, given how many µm one screen
 * pixel spans at the current zoom.
 */
export function scaleBar(micronsPerScreenPx: number, maxPx = 120): { microns: number; px: number; label: string } {
  const most = micronsPerScreenPx * maxPx;
  const power = 10 ** Math.floor(Math.log10(most));
  const microns = [5, 2, 1].map((m) => m * power).find((m) => m <= most) ?? power;
  const label = microns >= 1000 ? `${+(microns / 1000).toPrecision(3)} mm` : `${+microns.toPrecision(3)} µm`;
  return { microns, px: microns / micronsPerScreenPx, label };
}

/** A heatmap's colour range: the section's own scores (min–max), or one fixed range shared by every section. */
export function heatRange(scores: number[], fixed: [number, number] | null): [number, number] {
  if (fixed && fixed[1] > fixed[0]) return fixed;
  if (scores.length === 0) return [0, 1];
  return [Math.min(...scores), Math.max(...scores)];
}
