/** The app's shapes: the API's answers as the server declares them, and the views the app makes of them. */
import type {
  AtlasList,
  ClassifyAnswer,
  HeatmapAnswer,
  SearchRequest,
  SearchResult,
  SearchResponse,
  SectionAnswer,
  SpecimenList,
} from '@cytoclip/query/api-types';

// Planes and the search filter are the server's own, through domain's browser-safe face (no Node code in it).
export { isPlane, PLANES, type Plane, type SearchFilter } from '@cytoclip/domain/types';

// The API's own shapes, inferred from the schemas the server declares its routes with (the ones /openapi.json is
// generated from): type-only imports, so no server code reaches the bundle.
export type {
  AppliedCutoff,
  Notice,
  SearchRequest,
  SearchResponse,
  SearchResult,
  UploadReport as UploadInfo,
} from '@cytoclip/query/api-types';

export type Target = NonNullable<SearchRequest['target']>;

/**
 * A result as the detail shows it: from the page, or fetched by id for a shared link whose result is on another page
 * (then it has no score: it was not ranked).
 */
export type OpenedResult = Omit<SearchResult, 'score'> & { score: number | null };

/** The model card's URL and, for a model trained on synthetic tissue, the plain notice saying so. */
export type ModelNotes = Pick<SearchResponse, 'modelCard' | 'notice'>;

/** What the server made of an uploaded image (tiles at the model's µm/px) and whether it looks like known tissue. */
export type UploadVerdict = Pick<SearchResponse, 'outOfDistribution' | 'outOfDistributionReason' | 'upload'>;

/** One query kind at a time (the API's type allows the fields together; its schema does not); a SearchRequest query. */
export type Query = { text: string } | { image: string } | { tileId: string } | { regionImageId: string };

export interface RegionNode {
  acronym: string;
  name: string;
  parent: string | null;
  color?: string;
  children: RegionNode[];
}

export type SpecimenInfo = SpecimenList['specimens'][number];
export type AtlasInfo = AtlasList['atlases'][number];

export interface Polygon {
  region: string;
  color?: string;
  /** Rings of [x, y] level-0 pixels; the first is the outer ring. */
  rings: [number, number][][];
}

/** A section as the viewer draws it: the API's metadata, its GeoJSON read into polygons. */
export type SectionInfo = Omit<SectionAnswer, 'annotations' | 'dziUrl'> & { polygons: Polygon[] };

/** One tile of a heatmap: where it lies ([x, y, w, h], level-0 px) and its score. */
export type HeatCell = Pick<HeatmapAnswer['tiles'][number], 'bbox' | 'score'>;

export interface TrajectoryPoint {
  gestationalWeek: number;
  /** null where no tile of that age exists (a gap). */
  best: number | null;
  median: number | null;
  /** Mean of the week's `topK` best scores: unlike the best, it does not climb with a week's tile count. */
  topMean: number | null;
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
  temperature: ClassifyAnswer['temperature'];
}
