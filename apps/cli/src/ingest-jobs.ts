import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { INTERRUPTED, type IngestRequest, type IngestRequestUpdate } from '@cytoclip/catalog';
import { CytoclipError } from '@cytoclip/domain';
import type { IngestReport } from '@cytoclip/ingest';
import type { IngestJob, QueryIngest } from '@cytoclip/query';
import type { Platform, Settings } from './platform.js';
import { Shutdown } from './shutdown.js';
import { ingestInProcess } from './startup-ingest.js';

/** How long a request outlives its process once that stops renewing it (then it reads as failed: interrupted). */
export const REQUEST_LEASE_MS = 60_000;

/**
 * POST /v1/ingest for a single server: jobs run one after another in this process (the embedded catalog admits one
 * process; with PostgreSQL, more workers can join through `cytoclip ingest`). Job records live in the catalog, so
 * GET /v1/ingest/{id} answers after a restart; one this process was running when it died reads as failed
 * (interrupted), and posting the atlas again resumes the catalog run where it stopped.
 */
export function inProcessIngest(
  platform: () => Platform,
  settings: Settings,
  options: { leaseMs?: number; shutdown?: Shutdown } = {},
): QueryIngest {
  const leaseMs = options.leaseMs ?? REQUEST_LEASE_MS;
  const shutdown = options.shutdown ?? new Shutdown();
  const owner = `${hostname()}/${process.pid}/${randomUUID()}`;
  const catalog = () => platform().catalog;
  const heartbeat = new Heartbeat(() => catalog().renewIngestRequests(owner, leaseMs), leaseMs / 4);
  let recovered: Promise<unknown> | null = null;
  // Only one process opens the embedded catalog, so whatever an earlier one left queued or running is over now;
  // on PostgreSQL other servers may be alive, and their requests end only when their leases lapse.
  const recover = () =>
    (recovered ??= catalog().dialect === 'pglite' ? catalog().interruptIngestRequests(owner) : Promise.resolve());
  let queue: Promise<unknown> = Promise.resolve();

  async function run(id: string, atlasPath: string, replace: boolean): Promise<void> {
    let writes: Promise<unknown> = Promise.resolve();
    // Serialised, so a late progress write never overtakes the final state; a closed catalog only loses the write.
    const save = (update: IngestRequestUpdate) => {
      writes = writes.then(() => catalog().updateIngestRequest(id, owner, update, leaseMs)).catch(() => false);
    };
    if (shutdown.stopping) {
      save({ state: 'failed', error: INTERRUPTED }); // queued when the server began to stop: never started
      await writes;
      return;
    }
    save({ state: 'running' });
    try {
      const report = await ingestInProcess(
        platform(),
        atlasPath,
        settings,
        (e) => {
          if (e.state !== 'tiles')
            save({ runId: e.runId, sectionsDone: e.sectionsDone, sectionsTotal: e.sectionsTotal });
        },
        { signal: shutdown.signal, replace },
      );
      save(finalState(report));
    } catch (error) {
      save({ state: 'failed', error: (error as Error).message });
    }
    await writes;
  }

  return {
    async start(atlasPath, startOptions = {}) {
      if (shutdown.stopping)
        throw new CytoclipError('service_stopping', 'the server is stopping: POST /v1/ingest again once it is back', {
          status: 503,
        });
      await recover();
      const request = await catalog().createIngestRequest({ atlasPath, owner, leaseMs });
      heartbeat.add();
      // Tracked, so a stopping server waits for the running request to hand its sections back and for every queued
      // one to be recorded as interrupted before it closes the catalog.
      queue = shutdown.track(
        queue
          .then(() => run(request.id, atlasPath, startOptions.replace === true))
          .catch(() => undefined)
          .finally(() => heartbeat.remove()),
      );
      return toJob(request);
    },
    async get(id) {
      await recover();
      const request = await catalog().getIngestRequest(id);
      return request ? withTiles(platform(), toJob(request)) : runAsJob(platform(), id);
    },
  };
}

/** What a finished ingest leaves its request as; a stopped one reads as interrupted, and posting it again resumes. */
function finalState(report: IngestReport): IngestRequestUpdate {
  const base = { atlas: report.atlas, runId: report.runId };
  if (report.interrupted) return { ...base, state: 'failed', error: INTERRUPTED };
  const error = report.progress.failures.map((f) => `${f.section}: ${f.error.message}`).join('; ') || null;
  return { ...base, state: report.status === 'complete' ? 'done' : 'failed', error };
}

/** Renews this process's leases while it has live requests, and holds no timer otherwise. */
class Heartbeat {
  private live = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly beat: () => Promise<unknown>,
    private readonly everyMs: number,
  ) {}

  add(): void {
    if (this.live++ > 0) return;
    this.timer = setInterval(() => void this.beat().catch(() => undefined), this.everyMs);
    this.timer.unref();
  }

  remove(): void {
    if (--this.live > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }
}

function toJob(r: IngestRequest): IngestJob {
  return {
    id: r.id,
    atlas: r.atlasPath,
    state: r.state,
    progress: { done: r.sectionsDone, total: r.sectionsTotal },
    error: r.error,
    ...(r.runId ? { runId: r.runId } : {}),
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

/** Tiles committed of those planned, from the request's catalog run (sections commit in bands: a big one moves). */
async function withTiles(platform: Platform, job: IngestJob): Promise<IngestJob> {
  if (!job.runId || !job.progress) return job;
  const progress = await platform.catalog.runProgress(job.runId).catch(() => null);
  if (!progress) return job;
  return { ...job, progress: { ...job.progress, tiles: { done: progress.tiles, planned: progress.tilesPlanned } } };
}

/** A run in the catalog (e.g. one that `cytoclip ingest` workers are doing) reported as a job: GET /v1/ingest/{runId}. */
async function runAsJob(platform: Platform, id: string): Promise<IngestJob | null> {
  const run = await platform.catalog.getRun(id).catch(() => null);
  if (!run) return null;
  const progress = await platform.catalog.runProgress(id);
  const state = run.status === 'running' ? 'running' : run.status === 'complete' ? 'done' : 'failed';
  const error = progress.failures.map((f) => `${f.section}: ${f.error.message}`).join('; ') || null;
  return {
    id,
    runId: id,
    atlas: run.atlas,
    state,
    progress: {
      done: progress.jobs.done + progress.jobs.failed,
      total: progress.jobs.total,
      tiles: { done: progress.tiles, planned: progress.tilesPlanned },
    },
    error,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.createdAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}
