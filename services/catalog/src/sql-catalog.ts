import { CytoclipError, type OntologyRegion, type Specimen } from '@cytoclip/domain';
import * as atlasRepo from './atlas-repo.js';
import type { Catalog } from './catalog.js';
import type { Copier, CopySession } from './copy.js';
import type { Db } from './db.js';
import * as ingestRepo from './ingest-repo.js';
import * as modelRepo from './model-repo.js';
import * as ontologyRepo from './ontology-repo.js';
import { insertOutbox } from './outbox-repo.js';
import * as requestRepo from './request-repo.js';
import * as tileRepo from './tile-repo.js';
import * as withdrawalRepo from './withdrawal-repo.js';
import type {
  AnnotationInput,
  AtlasInput,
  IngestRequestUpdate,
  ModelInput,
  ModelStatus,
  RegionImageInput,
  SectionInput,
  CompletedSection,
  SectionBand,
  SectionResult,
  TileInput,
} from './types.js';

/** The Catalog over either driver; each method delegates to a small repository module. */
export class SqlCatalog implements Catalog {
  constructor(
    private readonly db: Db,
    readonly dialect: 'pglite' | 'postgres',
    private readonly closeClient: () => Promise<void>,
    /** PostgreSQL: tile batches of at least `minRows` go through COPY on a session of their own. */
    private readonly copy: { session: CopySession; minRows: number } | null = null,
  ) {}

  upsertAtlas = (atlas: AtlasInput) => atlasRepo.upsertAtlas(this.db, atlas);
  listAtlases = () => atlasRepo.listAtlases(this.db);
  getAtlas = async (name: string) => (await atlasRepo.listAtlases(this.db, name))[0] ?? null;
  deleteAtlas = (name: string) => atlasRepo.deleteAtlas(this.db, name);
  upsertSpecimens = (atlas: string, specimens: Specimen[]) => atlasRepo.upsertSpecimens(this.db, atlas, specimens);
  listSpecimens = (filter: { atlas?: string } = {}) => atlasRepo.listSpecimens(this.db, filter.atlas);
  upsertSection = (section: SectionInput) => atlasRepo.upsertSection(this.db, section);
  replaceAnnotations = (atlas: string, section: string, list: AnnotationInput[]) =>
    this.db.transaction((tx) => atlasRepo.replaceAnnotations(tx as unknown as Db, atlas, section, list));
  getSection = (id: string, atlas?: string) => atlasRepo.getSection(this.db, id, atlas);
  listSections = (atlas: string) => atlasRepo.listSections(this.db, atlas);

  upsertOntology = (regions: OntologyRegion[]) => ontologyRepo.upsertOntology(this.db, regions);
  listRegions = () => ontologyRepo.listRegions(this.db);
  regionTree = () => ontologyRepo.regionTree(this.db);
  descendants = (acronyms: string[]) => ontologyRepo.descendants(this.db, acronyms);

  insertTiles = (tiles: TileInput[]) =>
    this.copies(tiles.length)
      ? this.copy!.session((db, copy) => db.transaction((tx) => tileRepo.insertTiles(tx as unknown as Db, tiles, copy)))
      : tileRepo.insertTiles(this.db, tiles);
  insertRegionImages = (images: RegionImageInput[]) => tileRepo.insertRegionImages(this.db, images);
  getTiles = (ids: string[]) => tileRepo.getTiles(this.db, ids);
  getTile = async (id: string) => (await tileRepo.getTiles(this.db, [id]))[0] ?? null;
  listTiles = (atlas: string, section: string) => tileRepo.listTiles(this.db, atlas, section);
  countTiles = (filter?: { atlas?: string; section?: string }) => tileRepo.countRows(this.db, 'tiles', filter);
  getRegionImages = (ids: string[]) => tileRepo.getRegionImages(this.db, ids);
  getRegionImage = async (id: string) => (await tileRepo.getRegionImages(this.db, [id]))[0] ?? null;
  countRegionImages = (filter?: { atlas?: string; section?: string }) =>
    tileRepo.countRows(this.db, 'region_images', filter);

  registerModel = (model: ModelInput) => modelRepo.registerModel(this.db, model);
  setModelStatus = (id: string, status: ModelStatus) => modelRepo.setModelStatus(this.db, id, status);
  listModels = () => modelRepo.listModels(this.db);
  getModel = (id: string) => modelRepo.getModel(this.db, id);

  startRun = (atlas: string, models: string[], sections: string[]) =>
    ingestRepo.startRun(this.db, atlas, models, sections);
  getRun = (id: string) => ingestRepo.getRun(this.db, id);
  listRuns = (atlas?: string) => ingestRepo.listRuns(this.db, atlas);
  leaseJob = (runId: string, owner: string, leaseMs: number) => ingestRepo.leaseJob(this.db, runId, owner, leaseMs);
  renewLease = (jobId: number, owner: string, leaseMs: number) => ingestRepo.renewLease(this.db, jobId, owner, leaseMs);
  releaseLeases = (runId: string, owner?: string) => ingestRepo.releaseLeases(this.db, runId, owner);
  releaseJob = (jobId: number, owner: string) => ingestRepo.releaseJob(this.db, jobId, owner);
  failJob = (jobId: number, owner: string, error: { code: string; message: string }) =>
    ingestRepo.failJob(this.db, jobId, owner, error);
  finishRun = (runId: string) => ingestRepo.finishRun(this.db, runId);
  runProgress = (runId: string) => ingestRepo.runProgress(this.db, runId);
  readOutbox = (limit: number, collection?: string) => ingestRepo.readOutbox(this.db, limit, collection);
  deleteOutbox = (ids: number[]) => ingestRepo.deleteOutbox(this.db, ids);
  countOutbox = (collection?: string) => ingestRepo.countOutbox(this.db, collection);
  modelSections = () => ingestRepo.modelSections(this.db);

  withdrawSections = (atlas: string, sections: string[]) => withdrawalRepo.withdrawSections(this.db, atlas, sections);
  readWithdrawals = () => withdrawalRepo.readWithdrawals(this.db);
  deleteWithdrawals = (ids: number[]) => withdrawalRepo.deleteWithdrawals(this.db, ids);
  adoptFingerprints = (atlas: string, fingerprints: Map<string, string>) =>
    withdrawalRepo.adoptFingerprints(this.db, atlas, fingerprints);

  createIngestRequest = (input: { atlasPath: string; owner: string; leaseMs: number }) =>
    requestRepo.createIngestRequest(this.db, input);
  updateIngestRequest = (id: string, owner: string, update: IngestRequestUpdate, leaseMs: number) =>
    requestRepo.updateIngestRequest(this.db, id, owner, update, leaseMs);
  renewIngestRequests = (owner: string, leaseMs: number) => requestRepo.renewIngestRequests(this.db, owner, leaseMs);
  getIngestRequest = (id: string) => requestRepo.getIngestRequest(this.db, id);
  interruptIngestRequests = (exceptOwner?: string) => requestRepo.interruptIngestRequests(this.db, exceptOwner);

  /** The transactional outbox: rows, points and the job's completion commit together or not at all. */
  completeJob(jobId: number, owner: string, result: SectionResult): Promise<CompletedSection | false> {
    if (this.copies(result.tiles.length))
      return this.copy!.session((db, copy) => this.commitSection(db, jobId, owner, result, copy));
    return this.commitSection(this.db, jobId, owner, result);
  }

  commitBand(jobId: number, owner: string, band: SectionBand, leaseMs: number): Promise<CompletedSection | false> {
    if (this.copies(band.tiles.length))
      return this.copy!.session((db, copy) => this.commitBandIn(db, jobId, owner, band, leaseMs, copy));
    return this.commitBandIn(this.db, jobId, owner, band, leaseMs);
  }

  private commitBandIn(
    db: Db,
    jobId: number,
    owner: string,
    band: SectionBand,
    leaseMs: number,
    copy?: Copier,
  ): Promise<CompletedSection | false> {
    return db.transaction(async (t) => {
      const tx = t as unknown as Db;
      if (!(await ingestRepo.holdsLease(tx, jobId, owner))) return false;
      const state = await ingestRepo.bandState(tx, jobId, band.index);
      if (state === 'done') return { outboxIds: [] };
      if (state !== 'next')
        throw new CytoclipError(
          'band_out_of_order',
          `band ${band.index} of section ${band.section.id} cannot commit before band ${state}`,
          { status: 409 },
        );
      await atlasRepo.upsertSection(tx, band.section);
      await tileRepo.insertTiles(tx, band.tiles, copy);
      const outboxIds = await insertOutbox(tx, band.points);
      await ingestRepo.markBand(tx, jobId, { ...band, tiles: band.tiles.length }, leaseMs);
      return { outboxIds };
    });
  }

  private copies(rows: number): boolean {
    return this.copy !== null && rows >= this.copy.minRows;
  }

  private commitSection(
    db: Db,
    jobId: number,
    owner: string,
    result: SectionResult,
    copy?: Copier,
  ): Promise<CompletedSection | false> {
    return db.transaction(async (t) => {
      const tx = t as unknown as Db;
      const job = await ingestRepo.holdsLease(tx, jobId, owner);
      if (!job) return false;
      const run = await ingestRepo.getRun(tx, job.runId);
      const { section } = result;
      await atlasRepo.upsertSection(tx, section);
      await atlasRepo.replaceAnnotations(tx, section.atlas, section.id, result.annotations);
      await tileRepo.insertTiles(tx, result.tiles, copy);
      await tileRepo.insertRegionImages(tx, result.regionImages);
      const outboxIds = await insertOutbox(tx, result.points);
      await ingestRepo.markEmbedded(tx, section.atlas, section.id, run!.models);
      await ingestRepo.markDone(tx, jobId, { tiles: result.tiles.length, regionImages: result.regionImages.length });
      return { outboxIds };
    });
  }

  close(): Promise<void> {
    return this.closeClient();
  }
}
