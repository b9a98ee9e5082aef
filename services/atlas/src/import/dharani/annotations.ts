import { CytoclipError } from '@cytoclip/domain';
import {
  repairPolygon,
  unitePolygons,
  type MultiPolygonRings,
  type PolygonRings,
  type Position,
  type Ring,
} from '../repair.js';
import { regionKey } from './ontology.js';

/** Why a feature of a DHARANI GeoJSON was left out. */
export type SkipReason =
  | 'non-polygon'
  | 'short-ring'
  | 'bad-coordinates'
  | 'no-region-id'
  | 'unknown_region'
  | 'unrepairable'
  | 'empty-after-repair';

export interface AnnotationStats {
  features: number;
  /** Features converted (after repair), counted per region acronym. */
  kept: Record<string, number>;
  /** Features whose rings were invalid (self-intersecting, spikes) and were made valid. */
  repaired: number;
  skipped: Partial<Record<SkipReason, number>>;
  /** Geometry types of the non-Polygon features left out, e.g. { MultiPolygon: 2 }. */
  skippedTypes: Record<string, number>;
  /** Holes of fewer than 4 positions dropped from polygons that were kept. */
  holesDropped: number;
  /** Region ids the ontology lacks → how many features named them. */
  unknownIds: Record<string, number>;
}

export interface ConvertedAnnotations {
  geojson: { type: 'FeatureCollection'; features: object[] };
  stats: AnnotationStats;
}

interface RawFeature {
  type?: unknown;
  geometry?: { type?: unknown; coordinates?: unknown } | null;
  properties?: { data?: { id?: unknown } } | null;
}

function position(raw: unknown): Position | null {
  if (!Array.isArray(raw) || raw.length < 2) return null;
  const [x, y] = raw as unknown[];
  if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) return null;
  // DHARANI stores level-0 pixels with y negated (a y-up drawing space): the image row is |y|.
  return [x, Math.abs(y)];
}

type RingResult = Ring | 'short' | 'bad';

function ring(raw: unknown): RingResult {
  if (!Array.isArray(raw)) return 'bad';
  if (raw.length < 4) return 'short';
  const points: Ring = [];
  for (const p of raw) {
    const point = position(p);
    if (!point) return 'bad';
    points.push(point);
  }
  const [first, last] = [points[0]!, points.at(-1)!];
  if (first[0] !== last[0] || first[1] !== last[1]) points.push([first[0], first[1]]);
  return points;
}

/** A Polygon's rings with positive y, or why it cannot be used; short holes are dropped and counted. */
function polygonOf(coordinates: unknown, stats: AnnotationStats): PolygonRings | SkipReason {
  if (!Array.isArray(coordinates) || coordinates.length === 0) return 'bad-coordinates';
  const [outer, ...holes] = coordinates.map(ring);
  if (outer === 'short') return 'short-ring';
  if (outer === 'bad' || outer === undefined) return 'bad-coordinates';
  const kept: Ring[] = [outer];
  for (const hole of holes) {
    if (hole === 'bad') return 'bad-coordinates';
    if (hole === 'short') stats.holesDropped++;
    else kept.push(hole);
  }
  return kept;
}

function notFeatureCollection(file: string): CytoclipError {
  return new CytoclipError('invalid_annotations', `${file}: not a GeoJSON FeatureCollection`, {
    status: 422,
    detail: { file },
  });
}

/**
 * One DHARANI section's GeoJSON in the platform's annotation form: positive y, invalid rings repaired, the features of
 * one region united into one MultiPolygon feature named by its acronym (`properties.classification.name`, as QuPath
 * writes it). Non-Polygon features, rings of fewer than 4 positions and ids the ontology lacks are left out and
 * counted. Throws `invalid_annotations` naming the file when it is not a FeatureCollection.
 */
export function convertAnnotations(
  raw: unknown,
  file: string,
  acronymOf: ReadonlyMap<string, string>,
  colourOf: (acronym: string) => string,
): ConvertedAnnotations {
  const features = (raw as { type?: unknown; features?: unknown } | null)?.features;
  if ((raw as { type?: unknown } | null)?.type !== 'FeatureCollection' || !Array.isArray(features))
    throw notFeatureCollection(file);
  const stats: AnnotationStats = {
    features: features.length,
    kept: {},
    repaired: 0,
    skipped: {},
    skippedTypes: {},
    holesDropped: 0,
    unknownIds: {},
  };
  const parts = new Map<string, { id: string; polygons: MultiPolygonRings }>();
  for (const feature of features as RawFeature[]) {
    const reason = addFeature(feature, acronymOf, stats, parts);
    if (reason) stats.skipped[reason] = (stats.skipped[reason] ?? 0) + 1;
  }
  const out: object[] = [];
  for (const [acronym, { id, polygons }] of parts) {
    // Overlapping polygons of one region rasterise alike (each polygon is filled on its own), so a union that
    // fails only costs the merge.
    const united = safely(() => unitePolygons(polygons)) ?? polygons;
    if (united.length > 0) out.push(regionFeature(acronym, id, united, colourOf(acronym), stats.kept[acronym] ?? 0));
  }
  return { geojson: { type: 'FeatureCollection', features: out }, stats };
}

function addFeature(
  feature: RawFeature,
  acronymOf: ReadonlyMap<string, string>,
  stats: AnnotationStats,
  parts: Map<string, { id: string; polygons: MultiPolygonRings }>,
): SkipReason | null {
  const type = feature?.geometry?.type;
  if (type !== 'Polygon') {
    const name = typeof type === 'string' ? type : 'none';
    stats.skippedTypes[name] = (stats.skippedTypes[name] ?? 0) + 1;
    return 'non-polygon';
  }
  const id = regionKey(feature.properties?.data?.id);
  if (id === null) return 'no-region-id';
  const acronym = acronymOf.get(id);
  if (acronym === undefined) {
    stats.unknownIds[id] = (stats.unknownIds[id] ?? 0) + 1;
    return 'unknown_region';
  }
  const polygon = polygonOf(feature.geometry!.coordinates, stats);
  if (typeof polygon === 'string') return polygon;
  const fixed = safely(() => repairPolygon(polygon));
  if (!fixed) return 'unrepairable';
  const { polygons, repaired } = fixed;
  if (polygons.length === 0) return 'empty-after-repair';
  if (repaired) stats.repaired++;
  stats.kept[acronym] = (stats.kept[acronym] ?? 0) + 1;
  const entry = parts.get(acronym) ?? { id, polygons: [] };
  entry.polygons.push(...polygons);
  parts.set(acronym, entry);
  return null;
}

/** polygon-clipping throws on a few degenerate inputs (rings it cannot close); those count, they do not abort. */
function safely<T>(run: () => T): T | null {
  try {
    return run();
  } catch {
    return null;
  }
}

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function regionFeature(acronym: string, id: string, polygons: MultiPolygonRings, colour: string, features: number) {
  return {
    type: 'Feature',
    id: acronym,
    geometry: { type: 'MultiPolygon', coordinates: polygons },
    properties: {
      objectType: 'annotation',
      classification: { name: acronym, color: rgb(colour) },
      region: acronym,
      source: { ontologyId: id, features },
    },
  };
}
