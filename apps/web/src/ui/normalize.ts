/**
 * The API's answers read into the app's shapes. formats.md §4 fixes the search answer; for the other routes it names
 * only what they carry, so these readers accept the plausible shapes (flat or nested ontology, GeoJSON or polygon
 * lists) and the README documents the one the app prefers.
 */
import type {
  Classification,
  ClassLabel,
  HeatCell,
  ModelNotes,
  Polygon,
  RegionNode,
  SectionInfo,
  SpecimenInfo,
  TrajectoryPoint,
  UploadInfo,
  UploadVerdict,
} from './types.js';

type Json = Record<string, unknown>;
const asObject = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The first array found under one of `keys`, or the value itself when it is an array. */
function listOf(body: unknown, keys: string[]): unknown[] {
  if (Array.isArray(body)) return body;
  const o = asObject(body);
  for (const key of keys) if (Array.isArray(o[key])) return o[key] as unknown[];
  return [];
}

/** A flat list ({acronym, parent}) or a nested tree ({children}) into root nodes, children in API order. */
export function readRegionTree(body: unknown): RegionNode[] {
  const flat: RegionNode[] = [];
  const walk = (items: unknown[], parent: string | null): void => {
    for (const item of items) {
      const o = asObject(item);
      const acronym = str(o.acronym);
      if (!acronym) continue;
      const color = str(o.color);
      flat.push({
        acronym,
        name: str(o.name) ?? acronym,
        parent: str(o.parent) ?? parent,
        children: [],
        ...(color ? { color } : {}),
      });
      walk(asArray(o.children), acronym);
    }
  };
  walk(listOf(body, ['regions', 'tree', 'roots']), null);
  const byAcronym = new Map(flat.map((node) => [node.acronym, node]));
  const roots: RegionNode[] = [];
  for (const node of flat) {
    const parent = node.parent ? byAcronym.get(node.parent) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

export function readSpecimens(body: unknown): SpecimenInfo[] {
  return listOf(body, ['specimens']).flatMap((item) => {
    const o = asObject(item);
    const id = str(o.id);
    const week = num(o.gestationalWeek);
    if (!id || week === null) return [];
    const atlas = str(o.atlas);
    return [{ id, gestationalWeek: week, ...(atlas ? { atlas } : {}) }];
  });
}

export function readAtlases(body: unknown): { id: string; name: string }[] {
  return listOf(body, ['atlases']).flatMap((item) => {
    const o = asObject(item);
    const id = str(o.id) ?? str(o.name);
    return id ? [{ id, name: str(o.name) ?? id }] : [];
  });
}

function ringsOf(geometry: Json): [number, number][][] {
  const coords = asArray(geometry.coordinates);
  const polygons = geometry.type === 'MultiPolygon' ? coords : [coords];
  return polygons.flatMap((polygon) =>
    asArray(polygon).map((ring) =>
      asArray(ring).map((p) => [Number(asArray(p)[0]), Number(asArray(p)[1])] as [number, number]),
    ),
  );
}

/** Region of a GeoJSON feature: QuPath's classification.name, else properties.region. */
function featureRegion(props: Json): string {
  return str(asObject(props.classification).name) ?? str(props.region) ?? str(props.acronym) ?? '?';
}

export function readSection(id: string, body: unknown): SectionInfo {
  const o = asObject(body);
  const annotations = o.annotations ?? o.polygons ?? o.regions;
  const features = listOf(annotations, ['features', 'polygons']);
  const polygons: Polygon[] = features.flatMap((f) => {
    const feature = asObject(f);
    const props = asObject(feature.properties);
    const geometry = feature.geometry ? asObject(feature.geometry) : feature;
    const rings = ringsOf(geometry);
    if (rings.length === 0 || rings[0]!.length < 3) return [];
    const color = str(props.color) ?? str(feature.color);
    return [{ region: str(feature.region) ?? featureRegion(props), rings, ...(color ? { color } : {}) }];
  });
  const plane = str(o.plane);
  return {
    id: str(o.id) ?? id,
    ...(str(o.specimen) ? { specimen: str(o.specimen)! } : {}),
    ...(plane === 'coronal' || plane === 'sagittal' || plane === 'axial' ? { plane } : {}),
    ...(num(o.gestationalWeek) !== null ? { gestationalWeek: num(o.gestationalWeek)! } : {}),
    ...(num(o.width) !== null ? { width: num(o.width)! } : {}),
    ...(num(o.height) !== null ? { height: num(o.height)! } : {}),
    ...(num(o.micronsPerPixel) !== null ? { micronsPerPixel: num(o.micronsPerPixel)! } : {}),
    polygons,
  };
}

function bboxOf(o: Json): [number, number, number, number] | null {
  const b = asArray(o.bbox).map(Number);
  if (b.length === 4 && b.every(Number.isFinite)) return b as [number, number, number, number];
  const x = num(o.x),
    y = num(o.y),
    size = num(o.size) ?? num(o.width);
  if (x === null || y === null || size === null) return null;
  return [x, y, size, num(o.height) ?? size];
}

export function readHeatmap(body: unknown): HeatCell[] {
  return listOf(body, ['tiles', 'scores', 'cells', 'results']).flatMap((item) => {
    const o = asObject(item);
    const bbox = bboxOf(o);
    const score = num(o.score);
    return bbox && score !== null ? [{ bbox, score }] : [];
  });
}

export function readTrajectory(body: unknown): TrajectoryPoint[] {
  const points = listOf(body, ['weeks', 'points', 'trajectory']).flatMap((item) => {
    const o = asObject(item);
    const week = num(o.gestationalWeek) ?? num(o.week);
    if (week === null) return [];
    const count = num(o.count) ?? num(o.tiles);
    return [{ gestationalWeek: week, best: num(o.best), median: num(o.median), ...(count !== null ? { count } : {}) }];
  });
  return points.sort((a, b) => a.gestationalWeek - b.gestationalWeek);
}

function labels(list: unknown): ClassLabel[] {
  return asArray(list)
    .flatMap((item) => {
      const o = asObject(item);
      const region = asObject(o.region);
      const acronym = str(o.acronym) ?? str(region.acronym) ?? str(o.region);
      const score = num(o.probability) ?? num(o.score) ?? num(o.share) ?? num(o.votes);
      if (!acronym || score === null) return [];
      return [{ acronym, name: str(o.name) ?? str(region.name) ?? acronym, score }];
    })
    .sort((a, b) => b.score - a.score);
}

export function readClassification(body: unknown): Classification {
  const o = asObject(body);
  const t = asObject(o.temperature);
  return {
    model: typeof o.model === 'string' ? o.model : '',
    zeroShot: labels(o.zeroShot ?? o.zero_shot ?? o.labels ?? o.regions),
    nearestTiles: labels(o.nearestTiles ?? o.nearest ?? o.vote ?? o.votes),
    temperature: typeof t.value === 'number' ? { value: t.value, calibrated: t.calibrated === true } : null,
    ...readModelNotes(o),
    ...readUploadVerdict(o),
  };
}

/** `modelCard` and `notice` of a search or classify answer (null when absent). */
export function readModelNotes(o: Record<string, unknown>): ModelNotes {
  return {
    modelCard: typeof o.modelCard === 'string' ? o.modelCard : null,
    notice: typeof o.notice === 'string' ? o.notice : null,
  };
}

/** The out-of-distribution verdict and upload report of an answer about an uploaded image. */
export function readUploadVerdict(o: Record<string, unknown>): UploadVerdict {
  if (typeof o.outOfDistribution !== 'boolean') return {};
  return {
    outOfDistribution: o.outOfDistribution,
    outOfDistributionReason: typeof o.outOfDistributionReason === 'string' ? o.outOfDistributionReason : null,
    ...(o.upload && typeof o.upload === 'object' ? { upload: o.upload as UploadInfo } : {}),
  };
}
