/**
 * The API's answers into the app's views. Each answer is typed by the server's own declaration
 * (`@cytoclip/query/api-types`, inferred from the schemas /openapi.json is generated from), so there is one shape to
 * read and nothing to guess.
 */
import type {
  ClassifyAnswer,
  HeatmapAnswer,
  RegionTree,
  RegionTreeNode,
  SectionAnswer,
  TrajectoryAnswer,
} from '@cytoclip/query/api-types';
import type { Classification, HeatCell, Polygon, RegionNode, SectionInfo, TrajectoryPoint } from './types.js';

/** The tree, each node knowing its parent (the region filter walks up as well as down). */
export function readRegionTree(body: RegionTree): RegionNode[] {
  const node = (region: RegionTreeNode, parent: string | null): RegionNode => ({
    acronym: region.acronym,
    name: region.name,
    parent,
    color: region.color,
    children: region.children.map((child) => node(child, region.acronym)),
  });
  return body.regions.map((root) => node(root, null));
}

type Ring = [number, number][];

/** The section's GeoJSON features as polygons: a Polygon's rings, or every ring of a MultiPolygon's polygons. */
export function readSection(body: SectionAnswer): SectionInfo {
  const { annotations, dziUrl: _url, ...meta } = body;
  const polygons: Polygon[] = (annotations?.features ?? []).flatMap((feature) => {
    const { type, coordinates } = feature.geometry;
    const parts = (type === 'MultiPolygon' ? coordinates : [coordinates]) as number[][][][];
    const rings: Ring[] = parts.flat().map((ring) => ring.map(([x, y]) => [x!, y!]));
    return rings.length && rings[0]!.length >= 3 ? [{ region: feature.properties.region, rings }] : [];
  });
  return { ...meta, polygons };
}

export function readHeatmap(body: HeatmapAnswer): HeatCell[] {
  return body.tiles.map(({ bbox, score }) => ({ bbox, score }));
}

/** Weeks with data, ascending, as the server sends them (gaps are drawn by the chart). */
export function readTrajectory(body: TrajectoryAnswer): { weeks: TrajectoryPoint[]; topK: number } {
  const weeks = body.weeks.map(({ gestationalWeek, best, median, topMean, count }) => ({
    gestationalWeek,
    best,
    median,
    topMean,
    count,
  }));
  return { weeks, topK: body.topK };
}

/** Both lists best first, as the server sends them: zero-shot probabilities, and the nearest items' vote shares. */
export function readClassification(body: ClassifyAnswer): Classification {
  const { model, temperature, modelCard, notice, outOfDistribution, outOfDistributionReason, upload } = body;
  return {
    model,
    zeroShot: body.zeroShot.map(({ region, score }) => ({ ...region, score })),
    nearestTiles: body.vote.map(({ region, share }) => ({ ...region, score: share })),
    temperature,
    modelCard,
    notice,
    ...(outOfDistribution === undefined ? {} : { outOfDistribution, outOfDistributionReason, upload }),
  };
}
