import { join } from 'node:path';
import type { Catalog, IngestRun, RunProgress } from '@cytoclip/catalog';
import {
  atlasRootsFromEnv,
  CytoclipError,
  type AtlasManifest,
  type SectionEntry,
  type TileGrid,
} from '@cytoclip/domain';
import type { CytoclipModel } from '@cytoclip/model';
import type { VectorStore } from '@cytoclip/vectors';
import { readAtlas, type AtlasFiles } from './atlas-files.js';
import { FileHashes } from './hashes.js';
import { drainOutbox, SectionIndexer } from './indexer.js';
import { lane, type LaneSettings } from './lanes.js';
import { prepareModels, type IngestModel } from './models.js';
import { ownerName } from './owner.js';
import type { SectionContext } from './section-job.js';
import { reconcileAtlas } from './sources.js';

export interface IngestOptions {
  /** The atlas folder or its atlas.json. */
  atlas: string;
  catalog: Catalog;
  /** Tile and/or region models; each gets its own collection. */
  models: CytoclipModel[];
  /** With a store, this process is also the indexer: it drains the outbox into it before returning. */
  vectors?: VectorStore;
  dataDir: string;
  /**
   * Folders a symlink inside the atlas may lead into (default CYTOCLIP_ATLAS_ROOTS, else DATA_DIR/atlases); any other
   * path outside the atlas folder is refused.
   */
  atlasRoots?: string[];
  /**
   * An atlas of the same name already ingested from another folder, with different content, is refused
   * (`atlas_exists`) unless this is true: then the old one is removed first (rows, vectors, section copies).
   */
  replace?: boolean;
  /**
   * Stops the ingest gracefully (SIGTERM): no new section is taken, the current ones stop between batches and are
   * handed back uncounted, committed points are indexed, and the report comes back with `interrupted: true`. A rerun
   * resumes where it stopped.
   */
  signal?: AbortSignal;
  /** Worker name in job leases; default host/pid/random (a process of the same host can tell it died). */
  owner?: string;
  /** Lease length; renewed every third of it while a section is worked on. Default 60 s. */
  leaseMs?: number;
  /**
   * Sections with more level-0 pixels are refused (default 16 gigapixels: a DHARANI 64,000² section is 4.1). Memory
   * does not grow with a section (bands), but time does: ~81,000 tiles at 500 tiles/s is close to 3 minutes.
   */
  maxSectionPixels?: number;
  /**
   * Planned tiles per band (default 2048): a section is cut, embedded and committed in bands of whole tile rows, each
   * in its own transaction, and a killed ingest resumes at the first band not committed. What a section holds at
   * once is one band: per tile, a vector per model (dim × 4 bytes) and its payload and row (~1 KB), plus the two
   * decoded image bands the cutter reads ahead (up to 48 MB each).
   */
  bandTiles?: number;
  /**
   * Sources of at least this many bytes that already are tiled pyramidal TIFFs (JPEG, LZW, deflate or none) are read
   * in place: DATA_DIR gets a link to them, not a copy (default 256 MiB; 0 for every such file, Infinity for none).
   */
  inPlaceMinBytes?: number;
  batchSize?: number;
  /**
   * Sections worked on at once (default 3): some are planned, read or committed while another's tiles are embedded,
   * so the model rarely waits (with two, both were often between tiles at once: 3 gave 3-4 % more tiles/s on the
   * demo atlas, four interleaved pairs). Each holds its own lease and up to two decoded bands of its section.
   */
  sectionsInFlight?: number;
  /** Cut this grid instead of the one each tile model declares (tests, experiments). */
  tileGrid?: TileGrid;
  onProgress?: (event: IngestProgress) => void;
}

export interface IngestProgress {
  runId: string;
  section?: string;
  state: 'started' | 'tiles' | 'section-done' | 'section-failed' | 'indexing' | 'stopping' | 'finished';
  sectionsDone: number;
  sectionsTotal: number;
  tiles: number;
  tilesPerSecond: number;
  /** With `tiles` events: how far into its planned tiles `section` is (committed by earlier attempts included). */
  sectionTiles?: { done: number; planned: number };
  error?: { code: string; message: string };
}

export interface IngestReport {
  atlas: string;
  runId: string;
  status: IngestRun['status'];
  /** Stopped by `signal` before the run finished: `status` is still `running`, and a rerun resumes it. */
  interrupted: boolean;
  models: string[];
  progress: RunProgress;
  /** Sections this process worked on (others may have been done by other workers or earlier runs). */
  processed: { done: number; failed: number; tiles: number };
  /** Sections taken out before the run because their source changed or they left the manifest (redone if listed). */
  withdrawn: string[];
  /** The atlas of that name was removed first (`replace`). */
  replaced: boolean;
  indexed: number;
  seconds: number;
  tilesPerSecond: number;
}

/**
 * Ingests an atlas: validates manifest and ontology (refusing the whole atlas when either is wrong), withdraws what
 * changed since an earlier ingest (or refuses another atlas under the same name), records them, then leases the run's
 * section jobs (FOR UPDATE SKIP LOCKED, so N workers share a run) and commits each section in bands of tile rows (its
 * tiles and embeddings, one transaction a band), then its region images with its job's completion. Reruns resume, a
 * killed section at its first band not committed; a finished, unchanged atlas is a no-op.
 */
export async function ingestAtlas(options: IngestOptions): Promise<IngestReport> {
  const started = performance.now();
  const { catalog } = options;
  const lanes = options.sectionsInFlight ?? 3;
  if (!(Number.isInteger(lanes) && lanes >= 1))
    throw new CytoclipError('invalid_argument', `sectionsInFlight must be a positive whole number, got ${lanes}`);
  const atlas = await readAtlas(options.atlas, options.atlasRoots ?? atlasRootsFromEnv(process.env, options.dataDir));
  const { manifest } = atlas;
  const hashes = new FileHashes(join(options.dataDir, 'cache', 'source-hashes.json'));
  const prepared = await prepareModels(catalog, options.models, options.tileGrid);
  const reconciled = await reconcileAtlas({
    catalog,
    vectors: options.vectors,
    dataDir: options.dataDir,
    atlas,
    hashes,
    replace: options.replace === true,
  });
  await catalog.upsertOntology(atlas.ontology.regions);
  await catalog.upsertAtlas({ name: manifest.name, manifest, root: atlas.root });
  await catalog.upsertSpecimens(manifest.name, manifest.specimens);
  const stop = options.signal ?? new AbortController().signal;
  // What a killed run committed but never indexed, after the withdrawals it must not be mixed with.
  if (options.vectors) await drainOutbox(catalog, options.vectors, { signal: stop });
  const run = await startRun(catalog, manifest, prepared.all);
  const ctx = await sectionContext(options, atlas, prepared, hashes);
  const indexer = options.vectors ? new SectionIndexer(catalog, options.vectors) : null;
  const processed = await workJobs(options, ctx, run, manifest.sections, { indexer, lanes, stop });
  const finished = await catalog.finishRun(run.id);
  const interrupted = stop.aborted && finished.status === 'running';
  const indexed = await index(options, run, processed.tiles, indexer, interrupted, prepared.all);
  await hashes.save();
  const seconds = (performance.now() - started) / 1000;
  const progress = await catalog.runProgress(run.id);
  emit(options, {
    runId: run.id,
    state: 'finished',
    sectionsDone: progress.jobs.done,
    sectionsTotal: progress.jobs.total,
    tiles: processed.tiles,
    tilesPerSecond: processed.tiles / seconds,
  });
  return {
    atlas: manifest.name,
    runId: run.id,
    status: finished.status,
    interrupted,
    models: run.models,
    progress,
    processed,
    withdrawn: reconciled.withdrawn,
    replaced: reconciled.replaced,
    indexed,
    seconds,
    tilesPerSecond: processed.tiles / seconds,
  };
}

/** Starts (or resumes) the run; a model with sections to embed is not complete until they are. */
async function startRun(catalog: Catalog, manifest: AtlasManifest, models: IngestModel[]): Promise<IngestRun> {
  const run = await catalog.startRun(
    manifest.name,
    models.map((m) => m.id),
    manifest.sections.map((s) => s.id),
  );
  // The embedded catalog admits one process: any lease still held belongs to a process that died.
  if (catalog.dialect === 'pglite') await catalog.releaseLeases(run.id);
  if (run.status === 'running') for (const m of models) await catalog.setModelStatus(m.id, 'indexing');
  return run;
}

/** Indexes what this run committed: everything left in the outbox, or (stopping) only the moves already under way. */
async function index(
  options: IngestOptions,
  run: IngestRun,
  tiles: number,
  indexer: SectionIndexer | null,
  interrupted: boolean,
  models: IngestModel[],
): Promise<number> {
  if (!indexer) return 0;
  if (interrupted) return indexer.settle();
  emit(options, { runId: run.id, state: 'indexing', sectionsDone: 0, sectionsTotal: 0, tiles, tilesPerSecond: 0 });
  const indexed = await indexer.finish();
  await markComplete(options.catalog, models);
  return indexed;
}

async function sectionContext(
  options: IngestOptions,
  atlas: AtlasFiles,
  prepared: Awaited<ReturnType<typeof prepareModels>>,
  hashes: FileHashes,
): Promise<SectionContext> {
  const regions = await options.catalog.listRegions();
  return {
    atlas,
    dataDir: options.dataDir,
    tileGroups: prepared.tileGroups,
    regionModels: prepared.regionModels,
    regionPaths: new Map(regions.map((r) => [r.acronym, r.path])),
    maxSectionPixels: options.maxSectionPixels ?? 16e9,
    batchSize: options.batchSize ?? 32,
    bandTiles: positive('bandTiles', options.bandTiles ?? 2048),
    inPlaceMinBytes: options.inPlaceMinBytes ?? 256 * 2 ** 20,
    hashes,
  };
}

async function workJobs(
  options: IngestOptions,
  ctx: SectionContext,
  run: IngestRun,
  sections: SectionEntry[],
  { indexer, lanes, stop }: { indexer: SectionIndexer | null; lanes: number; stop: AbortSignal },
) {
  const { catalog } = options;
  const total = (await catalog.runProgress(run.id)).jobs.total;
  const counts = { done: 0, failed: 0, tiles: 0 };
  const t0 = performance.now();
  const rate = () => counts.tiles / Math.max(1e-3, (performance.now() - t0) / 1000);
  const report = (
    state: IngestProgress['state'],
    section?: string,
    error?: IngestProgress['error'],
    sectionTiles?: IngestProgress['sectionTiles'],
  ) =>
    emit(options, {
      runId: run.id,
      section,
      state,
      sectionsDone: counts.done + counts.failed,
      sectionsTotal: total,
      tiles: counts.tiles,
      tilesPerSecond: rate(),
      ...(error ? { error } : {}),
      ...(sectionTiles ? { sectionTiles } : {}),
    });
  report('started');
  const onStop = () => report('stopping');
  stop.addEventListener('abort', onStop, { once: true });
  const settings: LaneSettings = {
    catalog,
    run,
    owner: options.owner ?? ownerName(),
    leaseMs: options.leaseMs ?? 60_000,
    sections: new Map(sections.map((s) => [s.id, s])),
    indexer,
    stop,
    onOutcome: (job, outcome) => {
      if (outcome === true) counts.done++;
      else if (outcome) counts.failed++;
      if (outcome === true) report('section-done', job.section);
      else if (outcome) report('section-failed', job.section, outcome);
    },
    onTiles: (job, n, within) => ((counts.tiles += n), report('tiles', job.section, undefined, within)),
  };
  try {
    await Promise.all(Array.from({ length: lanes }, () => lane(settings, ctx)));
  } finally {
    stop.removeEventListener('abort', onStop);
  }
  return counts;
}

/**
 * A model is complete once no run that uses it is still going, none of its points wait in the outbox, and it has
 * embedded every section every ingested atlas lists (a failed section keeps it partial: /v1/models says how far).
 */
async function markComplete(catalog: Catalog, models: IngestModel[]): Promise<void> {
  const running = (await catalog.listRuns()).filter((r) => r.status === 'running');
  const sections = await catalog.modelSections();
  for (const m of models) {
    if (running.some((r) => r.models.includes(m.id))) continue;
    if ((await catalog.countOutbox(m.collection)) > 0) continue;
    const counted = sections.get(m.id);
    if (counted && counted.done < counted.total) continue;
    await catalog.setModelStatus(m.id, 'complete');
  }
}

function positive(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 1))
    throw new CytoclipError('invalid_argument', `${name} must be a positive whole number, got ${value}`);
  return value;
}

function emit(options: IngestOptions, event: Omit<IngestProgress, 'section'> & { section?: string | undefined }): void {
  if (!options.onProgress) return;
  const { section, ...rest } = event;
  options.onProgress(section === undefined ? rest : { ...rest, section });
}
