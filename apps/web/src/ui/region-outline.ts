/**
 * Whole-region results in the viewer and in exports: the region's real outline on its section (its annotation
 * polygons, not the bounding box its image was cut to), the view that fits it, and the weeks a region is shown across.
 */
import type { Polygon } from './types.js';

export type Box = [number, number, number, number];
/** GeoJSON rings of one polygon (outer ring first, then holes), [x, y] level-0 pixels. */
export type PolygonCoords = number[][][];

/** An annotation feature as the section answer carries it (Polygon or MultiPolygon, `properties.region`). */
export interface AnnotationFeature {
  properties: { region: string };
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
}

/**
 * Every polygon of `region` on a section, holes kept with their outer ring: the parts a region image was cut from
 * (the ingest masks a region image with all of the region's polygons on the section).
 */
export function regionPolygons(features: AnnotationFeature[], region: string): PolygonCoords[] {
  return features
    .filter((f) => f.properties.region === region)
    .flatMap((f) =>
      f.geometry.type === 'Polygon'
        ? [f.geometry.coordinates as PolygonCoords]
        : (f.geometry.coordinates as PolygonCoords[]),
    )
    .filter((polygon) => (polygon[0]?.length ?? 0) >= 3)
    .map((polygon) => polygon.map(closeRing));
}

/** GeoJSON wants each ring closed: its last position repeats its first. */
function closeRing(ring: number[][]): number[][] {
  const [first, last] = [ring[0]!, ring[ring.length - 1]!];
  return first[0] === last[0] && first[1] === last[1] ? ring : [...ring, first];
}

/** The viewer's polygons (already read from the section answer) of one region: the outline a region result shows. */
export const outlineOf = (polygons: Polygon[], region: string | undefined): Polygon[] =>
  region ? polygons.filter((p) => p.region === region) : [];

/**
 * The view that opens on a whole region: its bounding box and a margin of `margin` × its longer side on every side, so
 * the outline and some tissue around it show, never a postage stamp (a tile opens with four of its widths around it).
 */
export function regionView([x, y, w, h]: Box, margin = 0.08): Box {
  const pad = Math.max(w, h) * margin;
  return [x - pad, y - pad, w + 2 * pad, h + 2 * pad];
}

/** The gestational weeks the atlas holds, each once, youngest first: the columns of "across ages". */
export function atlasWeeks(specimens: { gestationalWeek: number }[]): number[] {
  return [...new Set(specimens.map((s) => s.gestationalWeek))].sort((a, b) => a - b);
}
