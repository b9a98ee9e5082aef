import type { OntologyRegion, Plane, SearchFilter, SparseVector, Variant } from '@cytoclip/domain';
import type { SectionAnnotations } from './answers.js';

/**
 * What the query API needs from the stores and the model runtime. The API is written against these small ports so it
 * does not care whether the catalog is PGlite or PostgreSQL, or the vectors embedded or in Qdrant; `adapters` in the
 * CLI bind the real services to them.
 */

export type ItemKind = 'tile' | 'region';

/** One embedded image: a tile or a whole-region image of one section. */
export interface ItemRecord {
  id: string;
  kind: ItemKind;
  atlas: string;
  section: string;
  specimen: string;
  gestationalWeek: number;
  plane: Plane;
  /** Dominant region acronym (tiles) or the region itself (region images); null where unlabelled. */
  region: string | null;
  /** Share of the tile's tissue the region covers (0..1), where known. */
  regionShare?: number | null;
  /** [x, y, width, height] in level-0 pixels of the section. */
  bbox: [number, number, number, number];
}

export interface SectionRecord {
  id: string;
  atlas: string;
  specimen: string;
  gestationalWeek: number;
  plane: Plane;
  index: number;
  stain: string;
  micronsPerPixel: number;
  width: number;
  height: number;
  /** The section's tiled pyramidal TIFF copied into DATA_DIR (absolute path). */
  imagePath: string;
  /** GeoJSON FeatureCollection of region polygons in level-0 pixels, or null. */
  annotations: SectionAnnotations | null;
}

export interface AtlasSummary {
  id: string;
  name: string;
  specimens: number;
  sections: number;
  tiles?: number;
  regionImages?: number;
  generator?: unknown;
  ingestedAt?: string | null;
}

export type SectionSummary = Omit<SectionRecord, 'imagePath' | 'annotations'>;

export interface SpecimenSummary {
  id: string;
  atlas: string;
  gestationalWeek: number;
  ageSource?: string | null;
  sections: number;
  planes: Plane[];
}

/**
 * An indexed model: its vectors live in `collection`; `complete` once every section every ingested atlas lists is
 * embedded by it and drained into the store (`sections` says how far it is).
 */
export interface ModelIndex {
  model: string;
  variant: Variant;
  collection: string;
  complete: boolean;
  sections: { done: number; total: number };
  items: number;
  /** When it became complete (ISO), to pick the newest complete one. */
  completedAt: string | null;
}

export interface QueryCatalog {
  atlases(): Promise<AtlasSummary[]>;
  /** Removes an atlas and everything of it; false when there was none. Vectors are removed through `QueryVectors`. */
  deleteAtlas(id: string): Promise<boolean>;
  regions(): Promise<OntologyRegion[]>;
  specimens(): Promise<SpecimenSummary[]>;
  /** Every section's metadata (no polygons), by specimen, plane and index: browsing without a query. */
  sections?(): Promise<SectionSummary[]>;
  section(id: string): Promise<SectionRecord | null>;
  /** Items by id; `kind` (when the caller knows it) spares a lookup in the other table. */
  items(ids: string[], kind?: ItemKind): Promise<Map<string, ItemRecord>>;
  modelIndexes(): Promise<ModelIndex[]>;
}

export interface WeekSummary {
  gestationalWeek: number;
  best: number;
  median: number;
  count: number;
}

export interface Hit {
  id: string;
  score: number;
  /** Metadata stored beside the vector, where the store keeps it (saves a catalog round trip). */
  payload?: { gestationalWeek?: number; atlas?: string; section?: string; region?: string | null };
}

/** A hit of the lexical list: `score` is still the dense cosine, `lexical` its BM25. */
export interface LexicalHit extends Hit {
  lexical: number;
}

/** Items in a collection, and how many carry a lexical vector (none: data ingested before them). */
export interface LexicalCoverage {
  points: number;
  lexical: number;
}

export interface SearchOptions {
  /** Regions as given: the store matches each one's subtree. */
  filter: SearchFilter;
  limit: number;
  offset: number;
  minScore?: number;
  perSection?: number;
}

/** A page and how many hits all the search's pages hold: exact up to the store's 10,000 window, else `totalExact: false`. */
export interface SearchPage {
  hits: Hit[];
  total: number;
  totalExact: boolean;
}

export interface WeekTop {
  gestationalWeek: number;
  hits: Hit[];
  count: number;
}

export interface QueryVectors {
  /** Nearest items by cosine similarity, best first; the store applies the filter, minScore and perSection. */
  search(collection: string, vector: Float32Array, options: SearchOptions): Promise<SearchPage>;
  count(collection: string, filter: SearchFilter): Promise<number>;
  get(collection: string, id: string): Promise<Float32Array | null>;
  /** Every item matching the filter with its score (heatmaps and trajectories: bounded by the filter). */
  scoreAll(collection: string, vector: Float32Array, filter: SearchFilter): Promise<Hit[]>;
  deleteAtlas?(collection: string, atlas: string): Promise<void>;
  /**
   * Each gestational week's `k` best items (exact scores, best first) and how many items it holds: one grouped query
   * in the store (Qdrant's groups API), bounded by weeks × k however many items the filter admits.
   */
  topPerWeek?(collection: string, vector: Float32Array, filter: SearchFilter, k: number): Promise<WeekTop[]>;
  /** Best and median score per gestational week, computed in the store (spares shipping every score). */
  weekSummary?(collection: string, vector: Float32Array, filter: SearchFilter): Promise<WeekSummary[]>;
  /** The lexical list (BM25 of the query's terms, equal BM25 by cosine), at most `limit`; see services/vectors. */
  searchLexical?(
    collection: string,
    query: SparseVector,
    options: { filter: SearchFilter; limit: number; vector: Float32Array },
  ): Promise<LexicalHit[]>;
  lexicalCoverage?(collection: string): Promise<LexicalCoverage>;
}

export interface ModelInfo {
  /** `name@version` */
  id: string;
  name: string;
  version: string;
  variant: Variant;
  embeddingDim: number;
  micronsPerPixel?: number | null;
  /** The model's input (tile models cut uploads at size px × micronsPerPixel). */
  image?: { size: number; resize: 'bicubic' | 'bilinear'; micronsPerPixel: number | null };
  /** model.json `calibration` (fitted on the val split): cutoffs, temperature, out-of-distribution threshold. */
  calibration?: ModelCalibration | null;
  /** A synthetic atlas's generator when the model was trained on one. */
  trainedOn?: { dataset: string | null; atlasGenerator: { name: string; version: string; preset?: string } | null };
}

/** What the API applies of a package's calibration (domain's model.json `Calibration` has more). */
export interface ModelCalibration {
  classify: { temperature: number };
  search: { textCutoff: number; imageCutoff: number };
  outOfDistribution: { nearestCosine: number; quantile: number };
}

/** What the API asks of a model runtime; @cytoclip/model's CytoclipModel satisfies it as it is. */
export interface QueryModel {
  readonly info: ModelInfo;
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  /** Encoded images (PNG, JPEG, TIFF), or RGB tiles; the runtime decodes and preprocesses them. */
  embedImages(images: (Buffer | RgbImage)[]): Promise<Float32Array[]>;
  unknownWords(text: string): string[];
  /** Region probabilities for an image embedding, best first (softmax(logitScale · cos / T), T calibrated). */
  zeroShotClassify(imageEmbedding: Float32Array): Promise<{ acronym: string; probability: number }[]>;
  /** The package's MODEL_CARD.md, or null. */
  modelCard?(): Promise<string | null>;
}

/** 8-bit RGB pixels, interleaved (slides' RawImage). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

export interface IngestJob {
  id: string;
  atlas: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  /** Sections done of the run's; tiles committed of those the sections begun so far plan (within a big section). */
  progress?: { done: number; total: number; tiles?: { done: number; planned: number } };
  error?: string | null;
  /** The catalog's ingest run, once known: GET /v1/ingest/{runId} reports it from any process's work. */
  runId?: string;
  /** ISO 8601 times: when the job was accepted, started and finished (null until then). */
  createdAt?: string;
  startedAt?: string | null;
  finishedAt?: string | null;
}

export interface QueryIngest {
  /** `replace`: an atlas of the same name ingested from another folder is removed first (else the job fails). */
  start(atlasPath: string, options?: { replace?: boolean }): Promise<IngestJob>;
  get(id: string): Promise<IngestJob | null>;
}
