import type { Plane, SearchFilter, SparseVector } from '@cytoclip/domain';

export type { SparseVector };

/** What every point carries besides its vector: the fields the search filters on (formats.md §4). */
export interface PointPayload {
  kind: 'tile' | 'region';
  atlas: string;
  specimen: string;
  section: string;
  plane: Plane;
  gestationalWeek: number;
  /** The point's dominant region (acronym); null for tissue of an unannotated section (no region filter keeps it). */
  region: string | null;
  /** The region and all its ancestors, so a subtree filter is one match; empty when `region` is null. */
  regionPath: string[];
}

export interface VectorPoint {
  /** UUID v5 from @cytoclip/domain (tileId / regionImageId): the same id in every store. */
  id: string;
  /** L2-normalised embedding; the score is the dot product (= cosine). */
  vector: Float32Array;
  payload: PointPayload;
  /**
   * The BM25 document vector of the point's annotation text (`AnnotationText` in @cytoclip/domain), for the lexical
   * list; absent on unannotated points and on points written before lexical vectors existed.
   */
  lexical?: SparseVector;
}

export interface SearchOptions {
  filter?: SearchFilter;
  limit: number;
  offset?: number;
  /** Hits scoring below this are left out of the pages and of `total`. */
  minScore?: number;
  /** At most this many hits from one section, so neighbouring tiles do not fill a page (0 or absent: no cap). */
  perSection?: number;
}

/** One page of a search, and how many hits all its pages hold. */
export interface SearchPage {
  /** Best first: the ranking after the filter, `perSection` and `minScore`, from `offset`, at most `limit`. */
  hits: ScoredPoint[];
  /**
   * How many hits the pages of this search return together (offsets 0, limit, 2·limit … up to the window): the same
   * filter, `minScore` and `perSection`, at most MAX_WINDOW (10,000, the cap on offset + limit).
   */
  total: number;
  /** false when more hits match than the window holds: `total` is then MAX_WINDOW, a lower bound. */
  totalExact: boolean;
}

export interface ScoredPoint {
  id: string;
  /** Cosine similarity, exact (f32) for returned hits. */
  score: number;
  payload: PointPayload;
}

export interface LexicalOptions {
  filter?: SearchFilter;
  /** How many hits the lexical list holds at most (1..MAX_WINDOW). */
  limit: number;
  /** The query's dense embedding: each hit's `score` is its cosine to it, and it orders hits of equal BM25. */
  vector: Float32Array;
}

/** A hit of the lexical list: `score` is the dense cosine (as in every list), `lexical` its BM25 score. */
export interface LexicalHit extends ScoredPoint {
  lexical: number;
}

/** How many points a collection holds that a lexical vector is made for, and how many of them carry one. */
export interface LexicalCoverage {
  /** Points with a region: an unannotated point (region null) has no annotation text, so no lexical vector is due. */
  points: number;
  lexical: number;
}

export interface CollectionSpec {
  dim: number;
  /** int8 keeps a quantized copy for the scan (rescored in f32); the embedded store always does. */
  quantization?: 'none' | 'int8';
}

export interface CollectionInfo {
  name: string;
  dim: number;
  count: number;
}

export interface FieldSummary {
  value: string | number;
  best: number;
  median: number;
  count: number;
}

export type SummaryField = 'gestationalWeek' | 'region';

export interface DeleteWhere {
  atlas?: string;
  section?: string;
}

export interface VectorStore {
  /** Creates the collection, or checks an existing one has the same dimension. */
  ensureCollection(name: string, spec: CollectionSpec): Promise<void>;
  listCollections(): Promise<CollectionInfo[]>;
  dropCollection(name: string): Promise<void>;
  /** Batched, idempotent by id: a point written twice is stored once, with its last vector and payload. */
  upsert(collection: string, points: VectorPoint[]): Promise<void>;
  /** Deletes every point of an atlas and/or a section; returns how many went. */
  deleteWhere(collection: string, where: DeleteWhere): Promise<number>;
  /** The store applies every search rule itself: the filter (a region matches its subtree), minScore, perSection. */
  search(collection: string, vector: Float32Array, options: SearchOptions): Promise<SearchPage>;
  /**
   * The lexical list: points with a lexical vector matching the filter, by BM25 of the query's terms (IDF from the
   * whole collection), equal BM25 by dense cosine, then id; at most `limit`. The caller fuses it with `search`.
   */
  searchLexical(collection: string, query: SparseVector, options: LexicalOptions): Promise<LexicalHit[]>;
  /** Points and points with a lexical vector: data ingested before lexical vectors existed has none. */
  lexicalCoverage(collection: string): Promise<LexicalCoverage>;
  count(collection: string, filter?: SearchFilter): Promise<number>;
  /** Points by id, in the order asked, missing ids left out; vectors only when asked. */
  get(collection: string, ids: string[], withVectors?: boolean): Promise<StoredPoint[]>;
  /** The score of every point matching the filter (a heatmap over one section), best first. */
  scoreAll(collection: string, vector: Float32Array, filter: SearchFilter): Promise<ScoredPoint[]>;
  /** Best and median score per value of a field (a query's trajectory over gestational weeks or regions). */
  bestPerField(
    collection: string,
    vector: Float32Array,
    field: SummaryField,
    filter?: SearchFilter,
  ): Promise<FieldSummary[]>;
  /**
   * The best `perGroup` points of each value of a field (a trajectory over gestational weeks or specimens) with how
   * many points each value holds: bounded by groups × perGroup however many points the filter admits (Qdrant's groups
   * API; the embedded store keeps a small heap per value). Groups in ascending value, hits best first, exact scores.
   */
  topPerGroup(collection: string, vector: Float32Array, options: GroupOptions): Promise<PointGroup[]>;
  /** The data format the collection's points were written in (DATA_VERSION now; 1 for data from before the stamp). */
  dataVersion(collection: string): Promise<number>;
  /**
   * Brings the collection's layout to the current format where the store cannot do it point by point (Qdrant: a new
   * collection behind the alias); a no-op where the layout is current. Points are upgraded by the caller (`cytoclip
   * reindex`), which then stamps the version with `markDataVersion`.
   */
  upgradeLayout(collection: string): Promise<void>;
  markDataVersion(collection: string, version: number): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Fields `topPerGroup` groups by. */
export type GroupField = 'gestationalWeek' | 'specimen';

export interface GroupOptions {
  field: GroupField;
  /** How many best points each group keeps (1..MAX_PER_GROUP). */
  perGroup: number;
  filter?: SearchFilter;
  /** At most this many groups, those with the best hits (1..MAX_GROUPS; default MAX_GROUPS). */
  groups?: number;
}

export interface PointGroup {
  value: string | number;
  /** The group's best points, best first, exact cosines. */
  hits: ScoredPoint[];
  /** How many points of the group the filter admits. */
  count: number;
}

export interface StoredPoint {
  id: string;
  payload: PointPayload;
  /** With `withVectors`: the dense vector, and the lexical one where the point has it. */
  vector?: Float32Array;
  lexical?: SparseVector;
}
