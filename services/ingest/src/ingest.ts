import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Catalog, IngestJob, IngestRun, RunProgress } from '@cytoclip/catalog';
import { atlasRootsFromEnv, CytoclipError, type SectionEntry, type TileGrid } from '@cytoclip/domain';
import type { CytoclipModel } from '@cytoclip/model';
import type { VectorStore } from '@cytoclip/vectors';
import { readAtlas, type AtlasFiles } from './atlas-files.js';
import { drainOutbox, SectionIndexer } from './indexer.js';
import { prepareModels, type IngestModel } from './models.js';
import { processSection, type SectionContext } from './section-job.js';

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
  /** Worker name in job leases; default host-pid-random. */
  owner?: string;
  /** Lease length; renewed every third of it while a section is worked on. Default 60 s. */
  leaseMs?: number;
  /** Sections with more level-0 pixels are refused (default 2 gigapixels). */
  maxSectionPixels?: number;
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
  state: 'started' | 'tiles' | 'section-done' | 'section-failed' | 'indexing' | 'finished';
  sectionsDone: number;
  sectionsTotal: number;
  tiles: number;
  tilesPerSecond: number;
  error?: { code: string; message: string };
}

export interface IngestReport {
  atlas: string;
  runId: string;
  status: IngestRun['status'];
  models: string[];
  progress: RunProgress;
  /** Sections this process worked on (others may have been done by other workers or earlier runs). */
  processed: { done: number; failed: number; tiles: number };
  indexed: number;
  seconds: number;
  tilesPerSecond: number;
}

/**
 * Ingests an atlas: validates manifest and ontology (refusing the whole atlas when either is wrong), records them,
 * then leases the run's section jobs one by one (FOR UPDATE SKIP LOCKED, so N workers share a run) and commits each
 * section's rows and embeddings with its job's completion in one transaction. Reruns resume; a finished atlas is a no-op.
 */
export async function ingestAtlas(options: IngestOptions): Promise<IngestReport> {
  const started = performance.now();
  const { catalog } = options;
  const lanes = options.sectionsInFlight ?? 3;
  if (!(Number.isInteger(lanes) && lanes >= 1))
    throw new CytoclipError('invalid-argument', `sectionsInFlight must be a positive whole number, got ${lanes}`);
  const atlas = await readAtlas(options.atlas, options.atlasRoots ?? atlasRootsFromEnv(process.env, options.dataDir));
  const { manifest } = atlas;
  const prepared = await prepareModels(catalog, options.models, options.tileGrid);
  await catalog.upsertOntology(atlas.ontology.regions);
  await catalog.upsertAtlas({ name: manifest.name, manifest, root: atlas.root });
  await catalog.upsertSpecimens(manifest.name, manifest.specimens);
  if (options.vectors) await drainOutbox(catalog, options.vectors); // what a killed run committed but never indexed
  const run = await catalog.startRun(
    manifest.name,
    prepared.all.map((m) => m.id),
    manifest.sections.map((s) => s.id),
  );
  // The embedded catalog admits one process: any lease still held belongs to a process that died.
  if (catalog.dialect === 'pglite') await catalog.releaseLeases(run.id);
  const ctx = await sectionContext(options, atlas, prepared);
  const indexer = options.vectors ? new SectionIndexer(catalog, options.vectors) : null;
  const processed = await workJobs(options, ctx, run, manifest.sections, { indexer, lanes });
  const finished = await catalog.finishRun(run.id);
  let indexed = 0;
  if (indexer) {
    emit(options, {
      runId: run.id,
      state: 'indexing',
      sectionsDone: 0,
      sectionsTotal: 0,
      tiles: processed.tiles,
      tilesPerSecond: 0,
    });
    indexed = await indexer.finish();
    await markComplete(catalog, prepared.all);
  }
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
    models: run.models,
    progress,
    processed,
    indexed,
    seconds,
    tilesPerSecond: processed.tiles / seconds,
  };
}

async function sectionContext(
  options: IngestOptions,
  atlas: AtlasFiles,
  prepared: Awaited<ReturnType<typeof prepareModels>>,
): Promise<SectionContext> {
  const regions = await options.catalog.listRegions();
  return {
    atlas,
    dataDir: options.dataDir,
    tileGroups: prepared.tileGroups,
    regionModels: prepared.regionModels,
    regionPaths: new Map(regions.map((r) => [r.acronym, r.path])),
    maxSectionPixels: options.maxSectionPixels ?? 2e9,
    batchSize: options.batchSize ?? 32,
  };
}

async function workJobs(
  options: IngestOptions,
  ctx: SectionContext,
  run: IngestRun,
  sections: SectionEntry[],
  { indexer, lanes }: { indexer: SectionIndexer | null; lanes: number },
) {
  const { catalog } = options;
  const owner = options.owner ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const leaseMs = options.leaseMs ?? 60_000;
  const byId = new Map(sections.map((s) => [s.id, s]));
  const total = (await catalog.runProgress(run.id)).jobs.total;
  const counts = { done: 0, failed: 0, tiles: 0 };
  const t0 = performance.now();
  const rate = () => counts.tiles / Math.max(1e-3, (performance.now() - t0) / 1000);
  const report = (state: IngestProgress['state'], section?: string, error?: IngestProgress['error']) =>
    emit(options, {
      runId: run.id,
      section,
      state,
      sectionsDone: counts.done + counts.failed,
      sectionsTotal: total,
      tiles: counts.tiles,
      tilesPerSecond: rate(),
      ...(error ? { error } : {}),
    });
  report('started');
  const lane = async () => {
    for (
      let job = await catalog.leaseJob(run.id, owner, leaseMs);
      job;
      job = await catalog.leaseJob(run.id, owner, leaseMs)
    ) {
      const entry = byId.get(job.section);
      const tileCtx = { ...ctx, onTiles: (n: number) => ((counts.tiles += n), report('tiles', job!.section)) };
      const outcome = await withLease(catalog, job, owner, leaseMs, () =>
        runJob(catalog, tileCtx, job!, owner, entry, indexer),
      );
      if (outcome === true) {
        counts.done++;
        report('section-done', job.section);
      } else if (outcome) {
        counts.failed++;
        report('section-failed', job.section, outcome);
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return counts;
}

/**
 * true: committed (and handed to this process's indexer, if it is one); an error: recorded as the job's failure;
 * false: the lease was lost to another worker.
 */
async function runJob(
  catalog: Catalog,
  ctx: SectionContext,
  job: IngestJob,
  owner: string,
  entry: SectionEntry | undefined,
  indexer: SectionIndexer | null,
) {
  try {
    if (!entry) throw new CytoclipError('section_removed', `section ${job.section} is no longer in the atlas manifest`);
    const result = await processSection(ctx, entry);
    const committed = await catalog.completeJob(job.id, owner, result);
    if (!committed) return false;
    indexer?.add(result.points, committed.outboxIds);
    return true;
  } catch (error) {
    const failure = describeError(error);
    const recorded = await catalog.failJob(job.id, owner, failure);
    return recorded ? failure : false;
  }
}

/** Renews the lease while `work` runs, so a slow section is not taken over by another worker. */
async function withLease<T>(
  catalog: Catalog,
  job: IngestJob,
  owner: string,
  leaseMs: number,
  work: () => Promise<T>,
): Promise<T> {
  const timer = setInterval(
    () => void catalog.renewLease(job.id, owner, leaseMs).catch(() => false),
    Math.max(50, leaseMs / 3),
  );
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof CytoclipError) return { code: error.code, message: error.message };
  const e = error as { code?: unknown; message?: unknown };
  return {
    code: typeof e?.code === 'string' ? e.code : 'section_failed',
    message: typeof e?.message === 'string' ? e.message : String(error),
  };
}

/** A model is complete once no run that uses it is still going and none of its points wait in the outbox. */
async function markComplete(catalog: Catalog, models: IngestModel[]): Promise<void> {
  const running = (await catalog.listRuns()).filter((r) => r.status === 'running');
  for (const m of models) {
    if (running.some((r) => r.models.includes(m.id))) continue;
    if ((await catalog.countOutbox(m.collection)) > 0) continue;
    await catalog.setModelStatus(m.id, 'complete');
  }
}

function emit(options: IngestOptions, event: Omit<IngestProgress, 'section'> & { section?: string | undefined }): void {
  if (!options.onProgress) return;
  const { section, ...rest } = event;
  options.onProgress(section === undefined ? rest : { ...rest, section });
}
