import polygonClipping, { type MultiPolygon, type Polygon } from 'polygon-clipping';
import type { OntologyIndex } from './ontology.js';
import type { ItemRecord, QueryModel, QueryVectors } from './ports.js';

/**
 * Auto-annotation of one section: every stored tile of it gets a predicted region from two sources,
 *
 * - zero-shot: the tile model's calibrated softmax over its region prompts (what /v1/classify reports), and
 * - kNN: a similarity-weighted vote of the KNN_NEIGHBOURS nearest annotated tiles of OTHER sections of the same plane
 *   (the section's own tiles never vote, so the figure is what an unannotated section would get), nearest by cosine
 *   less PLACE_WEIGHT × how far apart the two tiles sit in their sections' tissue (see AnnotationSettings.placeWeight);
 *
 * combined: the kNN region when at least KNN_AGREEMENT of the neighbours' similarity agrees on it (confidence = that
 * share), else zero-shot when its probability reaches ZERO_SHOT_FLOOR and beats the vote's share, else the vote. The
 * kNN vote can name any region the store holds; zero-shot only the model's labels. Measured on the demo atlas
 * (services/query/README.md): each choice here is the better of what was tried.
 */
export const KNN_NEIGHBOURS = 5;
export const KNN_AGREEMENT = 0.5;
export const ZERO_SHOT_FLOOR = 0.8;
export const PLACE_WEIGHT = 1;

export type AnnotationMethod = 'knn' | 'zero-shot';

export interface TilePrediction {
  tileId: string;
  x: number;
  y: number;
  w: number;
  h: number;
  region: string;
  confidence: number;
  method: AnnotationMethod;
  /** The region the section's own annotation gives the tile (its ground truth), or null. */
  annotated: string | null;
}

export interface SectionTile {
  item: ItemRecord;
  vector: Float32Array;
}

interface Vote {
  region: string;
  share: number;
  neighbours: number;
}

/** The nearest annotated tiles of other sections, at most `k`: over-asks, then asks past the section's own tiles. */
async function neighboursElsewhere(
  vectors: QueryVectors,
  collection: string,
  tile: SectionTile,
  sectionTiles: number,
  k: number,
) {
  const others = (hits: Awaited<ReturnType<QueryVectors['search']>>['hits']) =>
    hits.filter((h) => h.payload?.section !== tile.item.section && h.payload?.region).slice(0, k);
  const ask = (limit: number) => vectors.search(collection, tile.vector, { filter: {}, limit, offset: 0 });
  const first = others((await ask(4 * k)).hits);
  if (first.length >= k) return first;
  // Every one of the section's tiles could rank first: asking for that many more finds k elsewhere if there are k.
  return others((await ask(Math.min(10_000, k + sectionTiles))).hits);
}

function knnVote(hits: { score: number; payload?: { region?: string | null } }[]): Vote | null {
  const weights = new Map<string, number>();
  for (const hit of hits) {
    const region = hit.payload!.region!;
    weights.set(region, (weights.get(region) ?? 0) + Math.max(0, hit.score));
  }
  const total = [...weights.values()].reduce((s, w) => s + w, 0);
  if (!total) return null;
  const [region, weight] = [...weights.entries()].sort((a, b) => b[1] - a[1])[0]!;
  return { region, share: weight / total, neighbours: hits.length };
}

/** The combination rule of the module comment. */
export function combine(
  vote: Vote | null,
  zeroShot: { acronym: string; probability: number } | undefined,
  settings: Pick<AnnotationSettings, 'agreement' | 'zeroShotFloor'> = DEFAULT_ANNOTATION,
): { region: string; confidence: number; method: AnnotationMethod } | null {
  const knn = vote ? { region: vote.region, confidence: vote.share, method: 'knn' as const } : null;
  const zero = zeroShot
    ? { region: zeroShot.acronym, confidence: zeroShot.probability, method: 'zero-shot' as const }
    : null;
  if (knn && knn.confidence >= settings.agreement) return knn;
  if (zero && zero.confidence >= settings.zeroShotFloor && (!knn || zero.confidence > knn.confidence)) return zero;
  return knn ?? zero;
}

/** How the tiles are predicted (the defaults are the documented method; the evaluation script varies them). */
export interface AnnotationSettings {
  neighbours: number;
  agreement: number;
  /** The calibrated probability zero-shot needs to overrule a split vote. */
  zeroShotFloor: number;
  zeroShot: boolean;
  /**
   * How much a voter's place in its section counts (0: not at all): the voters are then the tiles of other sections
   * of the same plane ranked by cosine − placeWeight · (distance between the two tiles' places in their sections'
   * tissue, 0..√2) − 0.01 · (weeks apart), instead of by cosine alone.
   */
  placeWeight: number;
}
export const DEFAULT_ANNOTATION: AnnotationSettings = {
  neighbours: KNN_NEIGHBOURS,
  agreement: KNN_AGREEMENT,
  zeroShotFloor: ZERO_SHOT_FLOOR,
  zeroShot: true,
  placeWeight: PLACE_WEIGHT,
};

/** Beyond this many tiles in a plane, voters are ranked by cosine alone (placing them scores every one per tile). */
export const MAX_PLACED_POOL = 50_000;
const WEEK_PENALTY = 0.01;

type Place = { u: number; v: number };

/** Where each tile sits in its section's tissue: its centre within the box of the section's tile centres, 0..1. */
export function placesOf(items: Iterable<ItemRecord>): Map<string, Place> {
  const bySection = new Map<string, ItemRecord[]>();
  for (const item of items) bySection.set(item.section, [...(bySection.get(item.section) ?? []), item]);
  const places = new Map<string, Place>();
  for (const list of bySection.values()) {
    const centres = list.map(({ bbox: [x, y, w, h] }) => [x + w / 2, y + h / 2] as const);
    const [xs, ys] = [centres.map((c) => c[0]), centres.map((c) => c[1])];
    const [x0, y0] = [Math.min(...xs), Math.min(...ys)];
    const [dx, dy] = [Math.max(...xs) - x0 || 1, Math.max(...ys) - y0 || 1];
    list.forEach((item, i) => places.set(item.id, { u: (centres[i]![0] - x0) / dx, v: (centres[i]![1] - y0) / dy }));
  }
  return places;
}

interface PredictOptions {
  vectors: QueryVectors;
  collection: string;
  model: QueryModel | null;
  /** Catalog items by id (for the voters' places; needed when placeWeight > 0). */
  items?: (ids: string[]) => Promise<Map<string, ItemRecord>>;
}

/** The voters' places when the settings ask for them and the plane is small enough, else null. */
async function voterPlaces(tiles: SectionTile[], options: PredictOptions, settings: AnnotationSettings) {
  if (!settings.placeWeight || !options.items || !tiles.length) return null;
  const plane = tiles[0]!.item.plane;
  const pool = await options.vectors.scoreAll(options.collection, tiles[0]!.vector, { planes: [plane] });
  if (pool.length > MAX_PLACED_POOL) return null;
  const items = await options.items(pool.map((h) => h.id));
  return placesOf([...items.values(), ...tiles.map((t) => t.item)]);
}

async function placedNeighbours(
  tile: SectionTile,
  places: Map<string, Place>,
  options: PredictOptions,
  settings: AnnotationSettings,
) {
  const here = places.get(tile.item.id)!;
  const hits = await options.vectors.scoreAll(options.collection, tile.vector, { planes: [tile.item.plane] });
  const ranked = [];
  for (const hit of hits) {
    const there = places.get(hit.id);
    if (!there || hit.payload?.section === tile.item.section || !hit.payload?.region) continue;
    const weeks = Math.abs((hit.payload.gestationalWeek ?? tile.item.gestationalWeek) - tile.item.gestationalWeek);
    const apart = Math.hypot(here.u - there.u, here.v - there.v);
    ranked.push({ hit, similarity: hit.score - settings.placeWeight * apart - WEEK_PENALTY * weeks });
  }
  return ranked
    .sort((a, b) => b.similarity - a.similarity)
    .slice(0, settings.neighbours)
    .map((r) => r.hit);
}

/** Predicts every tile of a section (the tiles and their vectors as stored). */
export async function predictSection(
  tiles: SectionTile[],
  options: PredictOptions,
  settings: AnnotationSettings = DEFAULT_ANNOTATION,
): Promise<TilePrediction[]> {
  const places = await voterPlaces(tiles, options, settings);
  const voters = (tile: SectionTile) => {
    if (settings.neighbours <= 0) return Promise.resolve([]);
    if (places) return placedNeighbours(tile, places, options, settings);
    return neighboursElsewhere(options.vectors, options.collection, tile, tiles.length, settings.neighbours);
  };
  const predictions: TilePrediction[] = [];
  for (const tile of tiles) {
    const [hits, zeroShot] = await Promise.all([
      voters(tile),
      options.model && settings.zeroShot ? options.model.zeroShotClassify(tile.vector).then((r) => r[0]) : undefined,
    ]);
    const chosen = combine(knnVote(hits), zeroShot, settings);
    if (!chosen) continue;
    const [x, y, w, h] = tile.item.bbox;
    predictions.push({ tileId: tile.item.id, x, y, w, h, ...chosen, annotated: tile.item.region });
  }
  return predictions;
}

export interface RegionSummary {
  region: string;
  name: string;
  color: [number, number, number];
  tiles: number;
  /** Mean confidence of its tiles. */
  confidence: number;
}

/** Per predicted region: its tiles and mean confidence, most tiles first. */
export function summarize(predictions: TilePrediction[], ontology: OntologyIndex): RegionSummary[] {
  const groups = new Map<string, TilePrediction[]>();
  for (const p of predictions) groups.set(p.region, [...(groups.get(p.region) ?? []), p]);
  return [...groups.entries()]
    .map(([region, list]) => ({
      region,
      name: ontology.get(region)?.name ?? region,
      color: rgb(ontology.get(region)?.color),
      tiles: list.length,
      confidence: list.reduce((s, p) => s + p.confidence, 0) / list.length,
    }))
    .sort((a, b) => b.tiles - a.tiles || a.region.localeCompare(b.region));
}

/** `#rrggbb` (or `#rgb`) as [r, g, b]; grey where the ontology has no usable colour. */
export function rgb(color: string | undefined): [number, number, number] {
  const hex = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(color ?? '')?.[1];
  if (!hex) return [128, 128, 128];
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
}

type Ring = [number, number][];
export interface AnnotationFeature {
  type: 'Feature';
  geometry: { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] };
  properties: {
    objectType: 'annotation';
    classification: { name: string; color: [number, number, number] };
    region: string;
    name: string;
    confidence: number;
    tiles: number;
  };
}

/**
 * QuPath-compatible GeoJSON: one feature per predicted region, its tiles' squares unioned (polygon-clipping) into a
 * Polygon or MultiPolygon with closed rings, in level-0 pixels; classified by acronym in the ontology's colour.
 */
export function toGeoJson(predictions: TilePrediction[], ontology: OntologyIndex) {
  const features: AnnotationFeature[] = summarize(predictions, ontology).map((summary) => {
    const squares: Polygon[] = predictions
      .filter((p) => p.region === summary.region)
      .map((p) => [
        [
          [p.x, p.y],
          [p.x + p.w, p.y],
          [p.x + p.w, p.y + p.h],
          [p.x, p.y + p.h],
          [p.x, p.y],
        ],
      ]);
    const merged = closed(polygonClipping.union(squares[0]!, ...squares.slice(1)));
    return {
      type: 'Feature',
      geometry:
        merged.length === 1
          ? { type: 'Polygon', coordinates: merged[0]! }
          : { type: 'MultiPolygon', coordinates: merged },
      properties: {
        objectType: 'annotation',
        classification: { name: summary.region, color: summary.color },
        region: summary.region,
        name: summary.name,
        confidence: summary.confidence,
        tiles: summary.tiles,
      },
    };
  });
  return { type: 'FeatureCollection' as const, features };
}

/** Every ring ends where it starts (GeoJSON's rule; polygon-clipping already does, this makes sure). */
function closed(polygons: MultiPolygon): Ring[][] {
  return polygons.map((polygon) =>
    polygon.map((ring) => {
      const points = ring.map(([x, y]) => [x, y] as [number, number]);
      const [first, last] = [points[0]!, points[points.length - 1]!];
      return first[0] === last[0] && first[1] === last[1] ? points : [...points, first];
    }),
  );
}

/**
 * The predictions against the section's own annotation (the tiles' stored regions): accuracy and macro-F1, the mean
 * over every region in either the truth or the predictions of 2·TP / (2·TP + FP + FN). Null when no tile is annotated.
 */
export function scoreAgainstAnnotation(
  predictions: TilePrediction[],
): { tiles: number; accuracy: number; macroF1: number } | null {
  const scored = predictions.filter((p) => p.annotated !== null);
  if (!scored.length) return null;
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const of = (region: string) => counts.get(region) ?? counts.set(region, { tp: 0, fp: 0, fn: 0 }).get(region)!;
  for (const p of scored) {
    if (p.region === p.annotated) of(p.region).tp++;
    else {
      of(p.region).fp++;
      of(p.annotated!).fn++;
    }
  }
  const f1s = [...counts.values()].map((c) => (2 * c.tp) / (2 * c.tp + c.fp + c.fn));
  return {
    tiles: scored.length,
    accuracy: scored.filter((p) => p.region === p.annotated).length / scored.length,
    macroF1: f1s.reduce((s, f) => s + f, 0) / f1s.length,
  };
}
