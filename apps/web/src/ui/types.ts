/** The shapes of formats.md §4 that the app reads. Fields the API may add are ignored. */
import type { Plane } from '@cytoclip/domain/types';

// Planes and the search filter are the server's own, through domain's browser-safe face (no Node code in it).
export { isPlane, PLANES, type Plane, type SearchFilter } from '@cytoclip/domain/types';

export type Target = 'tiles' | 'regions';

export interface RegionRef {
  acronym: string;
  name: string;
  path?: string[];
}

export interface SearchResult {
  id: string;
  score: number;
  kind: 'tile' | 'region';
  region: RegionRef | null;
  specimen: string;
  gestationalWeek: number;
  plane: Plane;
  section: string;
  /** [x, y, width, height] in level-0 pixels of the section. */
  bbox: [number, number, number, number];
  imageUrl: string;
}

export interface SearchResponse {
  results: SearchResult[];
  /** What the pages return together (at most 10,000); `totalExact` false when more match. */
  total: number;
  totalExact: boolean;
  model: string;
  tookMs: number;
  unknownWords: string[];
}

export type Query = { text: string } | { image: string } | { tileId: string } | { regionImageId: string };

export interface RegionNode {
  acronym: string;
  name: string;
  parent: string | null;
  color?: string;
  children: RegionNode[];
}

export interface SpecimenInfo {
  id: string;
  gestationalWeek: number;
  atlas?: string;
}

export interface AtlasInfo {
  id: string;
  name: string;
}

export interface Polygon {
  region: string;
  color?: string;
  /** Rings of [x, y] level-0 pixels; the first is the outer ring. */
  rings: [number, number][][];
}

export interface SectionInfo {
  id: string;
  specimen?: string;
  plane?: Plane;
  gestationalWeek?: number;
  width?: number;
  height?: number;
  micronsPerPixel?: number;
  polygons: Polygon[];
}

export interface HeatCell {
  bbox: [number, number, number, number];
  score: number;
}

export interface TrajectoryPoint {
  gestationalWeek: number;
  /** null where no tile of that age exists (a gap). */
  best: number | null;
  median: number | null;
  count?: number;
}

export interface ClassLabel {
  acronym: string;
  name: string;
  score: number;
}

export interface Classification {
  zeroShot: ClassLabel[];
  nearestTiles: ClassLabel[];
}
