import { CytoclipError, type ErrorCode, type Ontology } from '@cytoclip/domain';

/** A ring as flat [x0, y0, x1, y1, …] in level-0 pixels, closed (the last point repeats the first). */
export type Ring = number[];
/** An outer ring followed by its holes. */
export type Polygon = Ring[];

export interface RegionFeature {
  /** Ontology acronym the feature was matched to. */
  region: string;
  polygons: Polygon[];
  /** [minX, minY, maxX, maxY] in level-0 pixels. */
  bbox: [number, number, number, number];
  /** Area in level-0 pixels² (holes subtracted). */
  area: number;
  /** Index of the feature in the FeatureCollection (for messages). */
  feature: number;
}

export interface SectionAnnotations {
  format: 'geojson';
  features: RegionFeature[];
}

interface Ctx {
  source: string;
  index: number;
  label: string;
}

function fail(code: ErrorCode, ctx: Ctx, why: string, extra: Record<string, unknown> = {}): never {
  throw new CytoclipError(code, `${ctx.source}: feature ${ctx.label}: ${why}`, {
    status: 422,
    detail: { source: ctx.source, feature: ctx.index, ...extra },
  });
}

/** Region lookup: exact acronym, then case-insensitive acronym, then case-insensitive full name. */
export function regionMatcher(ontology: Ontology): (name: string) => string | null {
  const exact = new Set(ontology.regions.map((r) => r.acronym));
  const folded = new Map<string, string>();
  for (const r of ontology.regions) folded.set(r.name.trim().toLowerCase(), r.acronym);
  for (const r of ontology.regions) folded.set(r.acronym.toLowerCase(), r.acronym);
  return (name) => (exact.has(name) ? name : (folded.get(name.trim().toLowerCase()) ?? null));
}

function regionName(properties: unknown): string | null {
  if (!properties || typeof properties !== 'object') return null;
  const p = properties as { classification?: { name?: unknown }; region?: unknown };
  if (typeof p.classification?.name === 'string') return p.classification.name;
  return typeof p.region === 'string' ? p.region : null;
}

function featureLabel(feature: unknown, index: number): string {
  const f = feature as { id?: unknown; properties?: { name?: unknown } } | null;
  const name = f?.id ?? f?.properties?.name;
  return typeof name === 'string' || typeof name === 'number' ? `#${index} (${name})` : `#${index}`;
}

function parseRing(raw: unknown, ctx: Ctx, where: string): Ring {
  if (!Array.isArray(raw)) fail('invalid_geometry', ctx, `${where} is not an array of positions`);
  if (raw.length < 4)
    fail(
      'invalid_geometry',
      ctx,
      `${where} has ${raw.length} positions; a ring needs at least 4 (3 points and the closing one)`,
    );
  const flat: number[] = [];
  for (const [i, p] of raw.entries()) {
    if (!Array.isArray(p) || p.length < 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
      fail('invalid_geometry', ctx, `${where} position ${i} is not a pair of finite numbers: ${JSON.stringify(p)}`);
    }
    flat.push(p[0] as number, p[1] as number);
  }
  const n = flat.length;
  if (flat[0] !== flat[n - 2] || flat[1] !== flat[n - 1])
    fail('invalid_geometry', ctx, `${where} is not closed (its last position must repeat the first)`);
  if (Math.abs(ringArea(flat)) === 0) fail('invalid_geometry', ctx, `${where} has zero area`);
  return flat;
}

/** Signed shoelace area of a closed flat ring. */
export function ringArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0; i + 3 < ring.length; i += 2) sum += ring[i]! * ring[i + 3]! - ring[i + 2]! * ring[i + 1]!;
  return sum / 2;
}

function parsePolygon(raw: unknown, ctx: Ctx, where: string): Polygon {
  if (!Array.isArray(raw) || raw.length === 0) fail('invalid_geometry', ctx, `${where} has no rings`);
  return raw.map((ring, i) => parseRing(ring, ctx, `${where} ring ${i}`));
}

function parseGeometry(geometry: unknown, ctx: Ctx): Polygon[] {
  const g = geometry as { type?: unknown; coordinates?: unknown } | null;
  if (!g || typeof g !== 'object') fail('invalid_annotations', ctx, 'has no geometry');
  if (g.type === 'Polygon') return [parsePolygon(g.coordinates, ctx, 'polygon')];
  if (g.type === 'MultiPolygon') {
    if (!Array.isArray(g.coordinates) || g.coordinates.length === 0)
      fail('invalid_geometry', ctx, 'MultiPolygon has no polygons');
    return g.coordinates.map((p, i) => parsePolygon(p, ctx, `polygon ${i}`));
  }
  return fail('invalid_annotations', ctx, `geometry type ${JSON.stringify(g.type)} is not Polygon or MultiPolygon`, {
    type: g.type,
  });
}

function bboxOf(polygons: Polygon[]): [number, number, number, number] {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const polygon of polygons) {
    const outer = polygon[0]!;
    for (let i = 0; i < outer.length; i += 2) {
      x0 = Math.min(x0, outer[i]!);
      x1 = Math.max(x1, outer[i]!);
      y0 = Math.min(y0, outer[i + 1]!);
      y1 = Math.max(y1, outer[i + 1]!);
    }
  }
  return [x0, y0, x1, y1];
}

function areaOf(polygons: Polygon[]): number {
  let area = 0;
  for (const [outer, ...holes] of polygons) {
    area += Math.abs(ringArea(outer!));
    for (const hole of holes) area -= Math.abs(ringArea(hole));
  }
  return area;
}

/**
 * Parses and validates a GeoJSON FeatureCollection of region polygons (QuPath exports included) against the
 * ontology. Every problem is a CytoclipError naming the file and the feature: an unknown region, a wrong geometry
 * type, an open ring, a ring of fewer than 4 positions, a NaN coordinate.
 */
export function parseAnnotations(geojson: unknown, ontology: Ontology, source = 'annotations'): SectionAnnotations {
  const doc = geojson as { type?: unknown; features?: unknown } | null;
  if (!doc || typeof doc !== 'object' || doc.type !== 'FeatureCollection' || !Array.isArray(doc.features)) {
    throw new CytoclipError('invalid_annotations', `${source}: not a GeoJSON FeatureCollection`, {
      status: 422,
      detail: { source },
    });
  }
  const match = regionMatcher(ontology);
  const features = doc.features.map((feature: unknown, index): RegionFeature => {
    const ctx = { source, index, label: featureLabel(feature, index) };
    if (!feature || typeof feature !== 'object' || (feature as { type?: unknown }).type !== 'Feature')
      fail('invalid_annotations', ctx, 'is not a GeoJSON Feature');
    const f = feature as { geometry?: unknown; properties?: unknown };
    const name = regionName(f.properties);
    if (name === null)
      fail('missing_region', ctx, 'names no region (properties.classification.name or properties.region)');
    const region = match(name);
    if (region === null) fail('unknown_region', ctx, `region "${name}" is not in the ontology`, { region: name });
    const polygons = parseGeometry(f.geometry, ctx);
    return { region, polygons, bbox: bboxOf(polygons), area: areaOf(polygons), feature: index };
  });
  return { format: 'geojson', features };
}

/** Feature(s) of one region merged: all its polygons, the union bbox and summed area. */
export function regionsOf(annotations: SectionAnnotations): RegionFeature[] {
  const byRegion = new Map<string, RegionFeature>();
  for (const f of annotations.features) {
    const seen = byRegion.get(f.region);
    if (!seen) byRegion.set(f.region, { ...f, polygons: [...f.polygons] });
    else {
      seen.polygons.push(...f.polygons);
      seen.area += f.area;
      seen.bbox = [
        Math.min(seen.bbox[0], f.bbox[0]),
        Math.min(seen.bbox[1], f.bbox[1]),
        Math.max(seen.bbox[2], f.bbox[2]),
        Math.max(seen.bbox[3], f.bbox[3]),
      ];
    }
  }
  return [...byRegion.values()];
}
