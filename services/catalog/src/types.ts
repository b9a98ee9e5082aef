import type { AtlasManifest, OntologyRegion, Plane, Specimen } from '@cytoclip/domain';

export interface AtlasInput {
  name: string;
  manifest: AtlasManifest;
  /** Folder the manifest was read from (absolute). */
  root: string;
}

export interface AtlasSummary {
  name: string;
  root: string;
  generator: AtlasManifest['generator'] | null;
  createdAt: Date;
  specimens: number;
  sections: number;
  tiles: number;
  regionImages: number;
}

export interface SpecimenRow extends Specimen {
  atlas: string;
}

export interface SectionInput {
  atlas: string;
  id: string;
  specimen: string;
  plane: Plane;
  index: number;
  stain: string;
  micronsPerPixel: number;
  width: number;
  height: number;
  levels: number;
  /** The tiled pyramidal TIFF copy, relative to DATA_DIR. */
  imagePath: string;
  /** What the section was made from (see the `sections` table); a re-ingest that computes another redoes it. */
  fingerprint?: string | null;
}

export interface AnnotationInput {
  region: string;
  /** GeoJSON Polygon or MultiPolygon, level-0 pixels. */
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
}

export interface SectionDetail extends SectionInput {
  gestationalWeek: number;
  annotations: AnnotationInput[];
}

export interface RegionRow extends Omit<OntologyRegion, 'id'> {
  sourceId: string;
  /** Ancestors root first, ending with the region itself. */
  path: string[];
}

export interface RegionNode extends RegionRow {
  children: RegionNode[];
}

export interface TileInput {
  id: string;
  atlas: string;
  section: string;
  x: number;
  y: number;
  size: number;
  level0Size: number;
  micronsPerPixel: number;
  region: string | null;
  regionFraction: number;
  tissueFraction: number;
}

/** A tile with what a search result shows about it. */
export interface TileDetail extends TileInput {
  specimen: string;
  gestationalWeek: number;
  plane: Plane;
  regionPath: string[];
  regionName: string | null;
}

export interface RegionImageInput {
  id: string;
  atlas: string;
  section: string;
  region: string;
  x: number;
  y: number;
  width: number;
  height: number;
  area: number;
  imagePath: string | null;
}

export interface RegionImageDetail extends RegionImageInput {
  specimen: string;
  gestationalWeek: number;
  plane: Plane;
  regionPath: string[];
  regionName: string;
}

export type ModelStatus = 'indexing' | 'complete';

export interface ModelInput {
  name: string;
  version: string;
  variant: 'region' | 'tile';
  dim: number;
  /** Vector-store collection; defaults to `name@version` made safe: `cytoclip-mini-tile_1`. */
  collection?: string;
}

export interface ModelRow extends Required<ModelInput> {
  id: string;
  status: ModelStatus;
  createdAt: Date;
  completedAt: Date | null;
}

export type RunStatus = 'running' | 'complete' | 'failed';
export type JobStatus = 'pending' | 'leased' | 'done' | 'failed';

export interface IngestRun {
  id: string;
  atlas: string;
  models: string[];
  status: RunStatus;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface IngestJob {
  id: number;
  runId: string;
  section: string;
  status: JobStatus;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  attempts: number;
  tiles: number;
  regionImages: number;
  /** Bands of the section committed so far (see `commitBand`); a worker taking the job over resumes at the next. */
  bandsDone: number;
  bandsTotal: number | null;
  /** Planned tiles per band, fixed by the job's first band (a resumed job cuts the same bands). */
  bandTiles: number | null;
  /** Tiles the section plans, known once its first band commits. */
  tilesPlanned: number | null;
  error: { code: string; message: string } | null;
}

export interface RunProgress {
  run: IngestRun;
  jobs: { total: number; pending: number; leased: number; done: number; failed: number };
  tiles: number;
  regionImages: number;
  /** Points committed but not yet drained into the vector store. */
  outboxPending: number;
  failures: { section: string; error: { code: string; message: string } }[];
  /** Tiles the run's sections plan, as far as known (a section's count is known once its first band commits). */
  tilesPlanned: number;
  /**
   * Sections being worked on: who holds each and until when (a lapsed lease is taken over by the next leaseJob), and
   * how far into the section it is (tiles committed of those planned, null before its first band).
   */
  leases: { section: string; owner: string; expiresAt: Date; tiles: number; tilesPlanned: number | null }[];
}

/** Sections of every ingested atlas's manifest, and how many of them a model has embedded. */
export interface ModelSections {
  done: number;
  total: number;
}

/** Points the vector store must drop: one section's, or (section null) a whole atlas's. */
export interface Withdrawal {
  id: number;
  atlas: string;
  section: string | null;
}

/** One embedding waiting in the outbox for the vector indexer. */
export interface OutboxPoint {
  collection: string;
  pointId: string;
  atlas: string;
  payload: Record<string, unknown>;
  vector: Float32Array;
}

export interface OutboxEntry extends OutboxPoint {
  id: number;
}

/** Everything one section's job writes, committed in one transaction with the job's completion. */
export interface SectionResult {
  section: SectionInput;
  annotations: AnnotationInput[];
  tiles: TileInput[];
  regionImages: RegionImageInput[];
  points: OutboxPoint[];
}

/**
 * One band of a section's tiles (consecutive tile rows), committed in its own transaction with its outbox points, so
 * a section's memory is bounded by its band and a killed worker's successor resumes at the first band not committed.
 */
export interface SectionBand {
  /** The section's row (written with the first band so its tiles have a parent; the last commit rewrites it). */
  section: SectionInput;
  /** 0-based; bands commit in order. */
  index: number;
  bands: number;
  /** Planned tiles per band (the layout's setting, kept by the job). */
  bandTiles: number;
  tilesPlanned: number;
  tiles: TileInput[];
  points: OutboxPoint[];
}

/** A committed section job: the outbox rows its points became (an indexer holding the points deletes these). */
export interface CompletedSection {
  outboxIds: number[];
}

export type IngestRequestState = 'queued' | 'running' | 'done' | 'failed';

/** One POST /v1/ingest request as the catalog keeps it (see `ingest_requests`). */
export interface IngestRequest {
  id: string;
  /** The atlas folder, resolved inside an atlas root. */
  atlasPath: string;
  /** The catalog's atlas name, once known. */
  atlas: string | null;
  state: IngestRequestState;
  sectionsDone: number;
  sectionsTotal: number;
  error: string | null;
  runId: string | null;
  /** The process running it; it renews `leaseExpiresAt` while alive. */
  owner: string;
  leaseExpiresAt: Date;
  createdAt: Date;
  startedAt: Date | null;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** What the owner of a request may change; `startedAt` / `finishedAt` follow from `state`. */
export interface IngestRequestUpdate {
  state?: IngestRequestState;
  atlas?: string;
  sectionsDone?: number;
  sectionsTotal?: number;
  error?: string | null;
  runId?: string;
}
