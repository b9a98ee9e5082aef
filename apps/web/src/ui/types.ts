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

export interface SearchResponse extends ModelNotes, UploadVerdict {
  results: SearchResult[];
  /** What the pages return together (at most 10,000); `totalExact` false when more match. */
  total: number;
  totalExact: boolean;
  model: string;
  tookMs: number;
  unknownWords: string[];
  /** The relevance cutoff the server applied; null from a server that predates it. */
  cutoff: AppliedCutoff | null;
  notices: Notice[];
}

/** Which score cutoff a search applied (`auto`: the model's calibrated one). */
export interface AppliedCutoff {
  mode: 'auto' | 'none' | 'minScore';
  minScore: number | null;
  source: 'calibration' | 'request' | 'uncalibrated';
}

/** Something an answer wants the reader to know, e.g. `no_data_for_region`. */
export interface Notice {
  code: string;
  message: string;
  regions?: string[];
}

/** The model card's URL and, for a model trained on synthetic tissue, the plain notice saying so. */
export interface ModelNotes {
  modelCard: string | null;
  notice: string | null;
}

/** What the server made of an uploaded image (tiles at the model's µm/px) and whether it looks like known tissue. */
export interface UploadVerdict {
  outOfDistribution?: boolean;
  outOfDistributionReason?: string | null;
  upload?: UploadInfo;
}

export interface UploadInfo {
  width: number;
  height: number;
  micronsPerPixel: number | null;
  micronsPerPixelSource: 'request' | 'metadata' | 'unknown';
  tiles: { count: number; columns: number; rows: number; gridTiles: number; capped: boolean };
  notes: string[];
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

export interface Classification extends ModelNotes, UploadVerdict {
  model: string;
  zeroShot: ClassLabel[];
  nearestTiles: ClassLabel[];
  /** The softmax temperature of the zero-shot probabilities, and whether it was fitted (calibrated). */
  temperature: { value: number; calibrated: boolean } | null;
}
