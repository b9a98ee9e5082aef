import polygonClipping from 'polygon-clipping';

export type Position = [number, number];
export type Ring = Position[];
export type PolygonRings = Ring[];
export type MultiPolygonRings = PolygonRings[];

/** Twice the signed area of a closed ring (shoelace). */
function signedArea2(ring: Ring): number {
  let sum = 0;
  for (let i = 1; i < ring.length; i++) sum += ring[i - 1]![0] * ring[i]![1] - ring[i]![0] * ring[i - 1]![1];
  return sum;
}

/** Area of a polygon as drawn (outer ring minus holes), which a self-intersecting ring misstates. */
function drawnArea(polygon: PolygonRings): number {
  const [outer, ...holes] = polygon.map((ring) => Math.abs(signedArea2(ring)) / 2);
  return (outer ?? 0) - holes.reduce((a, b) => a + b, 0);
}

export function multiPolygonArea(multi: MultiPolygonRings): number {
  return multi.reduce((sum, polygon) => sum + drawnArea(polygon), 0);
}

/**
 * A polygon made valid, as shapely's zero-width buffer is meant to: a self-intersecting ring (a bow-tie, a loop) is
 * split at its crossings into simple polygons and everything it encloses is kept (the union of its lobes, where
 * buffer(0) can drop a lobe whose winding is reversed), spikes and zero-area parts vanish, holes stay holes.
 * `repaired` says whether the result differs from the polygon as drawn (another shape or another area).
 */
export function repairPolygon(polygon: PolygonRings): { polygons: MultiPolygonRings; repaired: boolean } {
  const polygons = polygonClipping.union(polygon) as MultiPolygonRings;
  const before = drawnArea(polygon);
  const after = multiPolygonArea(polygons);
  const sameShape = polygons.length === 1 && polygons[0]!.length === polygon.length;
  const repaired = !sameShape || Math.abs(after - before) > 1e-9 * Math.max(1, after);
  return { polygons, repaired };
}

/** One region's polygons united: overlaps merged, touching parts joined, so a region is one valid MultiPolygon. */
export function unitePolygons(parts: MultiPolygonRings): MultiPolygonRings {
  if (parts.length <= 1) return parts;
  const [first, ...rest] = parts;
  return polygonClipping.union(first!, ...rest) as MultiPolygonRings;
}
