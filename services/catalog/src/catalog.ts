import type { OntologyRegion, Specimen } from '@cytoclip/domain';
import type {
  AnnotationInput,
  AtlasInput,
  AtlasSummary,
  IngestJob,
  IngestRequest,
  IngestRequestUpdate,
  IngestRun,
  ModelInput,
  ModelRow,
  ModelStatus,
  OutboxEntry,
  RegionImageDetail,
  RegionImageInput,
  RegionNode,
  RegionRow,
  RunProgress,
  SectionDetail,
  SectionInput,
  CompletedSection,
  SectionBand,
  SectionResult,
  SpecimenRow,
  TileDetail,
  TileInput,
  ModelSections,
  Withdrawal,
} from './types.js';

/** The one repository layer over the catalog database: nothing outside services/catalog writes SQL. */
export interface Catalog {
  readonly dialect: 'pglite' | 'postgres';

  // Atlases, specimens, sections, annotations
  upsertAtlas(atlas: AtlasInput): Promise<void>;
  listAtlases(): Promise<AtlasSummary[]>;
  getAtlas(name: string): Promise<AtlasSummary | null>;
  /** Deletes the atlas and everything under it (specimens, sections, tiles, region images, outbox points). */
  deleteAtlas(name: string): Promise<boolean>;
  upsertSpecimens(atlas: string, specimens: Specimen[]): Promise<void>;
  listSpecimens(filter?: { atlas?: string }): Promise<SpecimenRow[]>;
  upsertSection(section: SectionInput): Promise<void>;
  replaceAnnotations(atlas: string, section: string, annotations: AnnotationInput[]): Promise<void>;
  /** A section with its specimen's age and its annotation polygons; `atlas` disambiguates equal ids. */
  getSection(id: string, atlas?: string): Promise<SectionDetail | null>;
  listSections(atlas: string): Promise<SectionInput[]>;

  // Ontology
  /** Validates (unique acronyms, known parents, no cycles), computes paths, upserts. */
  upsertOntology(regions: OntologyRegion[]): Promise<void>;
  listRegions(): Promise<RegionRow[]>;
  regionTree(): Promise<RegionNode[]>;
  /** The given acronyms and all their descendants; unknown acronyms throw `unknown_region`. */
  descendants(acronyms: string[]): Promise<string[]>;

  // Tiles and region images
  /** Bulk insert (unnest); rows whose id exists are left alone. Returns rows inserted. */
  insertTiles(tiles: TileInput[]): Promise<number>;
  insertRegionImages(images: RegionImageInput[]): Promise<number>;
  getTiles(ids: string[]): Promise<TileDetail[]>;
  getTile(id: string): Promise<TileDetail | null>;
  listTiles(atlas: string, section: string): Promise<TileInput[]>;
  countTiles(filter?: { atlas?: string; section?: string }): Promise<number>;
  getRegionImages(ids: string[]): Promise<RegionImageDetail[]>;
  getRegionImage(id: string): Promise<RegionImageDetail | null>;
  countRegionImages(filter?: { atlas?: string; section?: string }): Promise<number>;

  // Models
  /** Registers a model (status `indexing`) or returns the existing row unchanged. */
  registerModel(model: ModelInput): Promise<ModelRow>;
  setModelStatus(id: string, status: ModelStatus): Promise<void>;
  listModels(): Promise<ModelRow[]>;
  getModel(id: string): Promise<ModelRow | null>;

  // Ingest runs, jobs, outbox
  /**
   * Resumes the atlas's unfinished run for these models, or starts one with a job per section not yet embedded by
   * every one of them (none: the run is complete at once, so a rerun changes nothing).
   */
  startRun(atlas: string, models: string[], sections: string[]): Promise<IngestRun>;
  getRun(id: string): Promise<IngestRun | null>;
  listRuns(atlas?: string): Promise<IngestRun[]>;
  /** Leases the next pending (or lease-expired) job with FOR UPDATE SKIP LOCKED, or null when none is left. */
  leaseJob(runId: string, owner: string, leaseMs: number): Promise<IngestJob | null>;
  /** Extends a lease; false when the owner lost it. */
  renewLease(jobId: number, owner: string, leaseMs: number): Promise<boolean>;
  /**
   * Hands back the leases of dead owners: every lease of the run (the single-process embedded catalog after a crash)
   * or only `owner`'s. Each counts as an attempt (MAX_ATTEMPTS).
   */
  releaseLeases(runId: string, owner?: string): Promise<number>;
  /** A living owner hands an unfinished job back (shutting down): pending again, its attempt not counted. */
  releaseJob(jobId: number, owner: string): Promise<boolean>;
  /**
   * Commits one band of a section (its row, the band's tiles and outbox points) and the job's progress in one
   * transaction, renewing the lease; returns the points' outbox ids. A band committed before is a no-op (empty ids);
   * one that skips ahead is refused (`band_out_of_order`). False (nothing written) when the owner lost the lease.
   */
  commitBand(jobId: number, owner: string, band: SectionBand, leaseMs: number): Promise<CompletedSection | false>;
  /**
   * Commits a section's rows, its outbox points and the job's completion in ONE transaction (after its bands, if
   * any: their tiles count with `result.tiles`); returns the points' outbox ids. False (and nothing written) when the
   * owner no longer holds the lease.
   */
  completeJob(jobId: number, owner: string, result: SectionResult): Promise<CompletedSection | false>;
  failJob(jobId: number, owner: string, error: { code: string; message: string }): Promise<boolean>;
  /** Marks the run complete (or failed when a job failed) once no job is pending or leased. */
  finishRun(runId: string): Promise<IngestRun>;
  runProgress(runId: string): Promise<RunProgress>;
  /** The oldest outbox points, for the indexer. */
  readOutbox(limit: number, collection?: string): Promise<OutboxEntry[]>;
  /** Removes drained points (after the vector store acknowledged their upsert). */
  deleteOutbox(ids: number[]): Promise<void>;
  countOutbox(collection?: string): Promise<number>;
  /** Per model id: sections listed by every atlas's manifest, and how many the model has embedded. */
  modelSections(): Promise<Map<string, ModelSections>>;

  // Keeping catalog and vectors in agreement when sources change
  /**
   * Removes sections whose source changed (rows, outbox points, jobs of running runs) and records a withdrawal each
   * for the indexer, in one transaction; returns the image copies the rows pointed at (relative to DATA_DIR).
   */
  withdrawSections(atlas: string, sections: string[]): Promise<string[]>;
  /** Withdrawals the indexer has not applied to the vector store yet, oldest first. */
  readWithdrawals(): Promise<Withdrawal[]>;
  deleteWithdrawals(ids: number[]): Promise<void>;
  /** Sets fingerprints on rows that have none (written before fingerprints existed); returns how many. */
  adoptFingerprints(atlas: string, fingerprints: Map<string, string>): Promise<number>;

  // The API's ingest requests (POST /v1/ingest), kept across restarts
  createIngestRequest(input: { atlasPath: string; owner: string; leaseMs: number }): Promise<IngestRequest>;
  /** The owner's update, renewing its lease; false when `owner` does not own it. */
  updateIngestRequest(id: string, owner: string, update: IngestRequestUpdate, leaseMs: number): Promise<boolean>;
  /** The owner's heartbeat: renews the lease of each of its queued or running requests. */
  renewIngestRequests(owner: string, leaseMs: number): Promise<number>;
  /** A request; one still queued or running whose lease lapsed (its process died) is failed as interrupted first. */
  getIngestRequest(id: string): Promise<IngestRequest | null>;
  /** Fails every queued or running request not owned by `exceptOwner` as interrupted (embedded catalog start-up). */
  interruptIngestRequests(exceptOwner?: string): Promise<number>;

  close(): Promise<void>;
}
