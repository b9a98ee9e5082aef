import type { Catalog, CompletedSection, IngestJob, IngestRun, OutboxPoint } from '@cytoclip/catalog';
import { CytoclipError, type SectionEntry } from '@cytoclip/domain';
import type { SectionIndexer } from './indexer.js';
import { ownerIsDeadHere } from './owner.js';
import { processSection, type SectionContext } from './section-job.js';

/** While another owner holds the last sections, look again at least this often (it may finish, die or lapse). */
const WAIT_MS = 1_000;

export interface LaneSettings {
  catalog: Catalog;
  run: IngestRun;
  owner: string;
  leaseMs: number;
  /** The manifest's sections by id. */
  sections: Map<string, SectionEntry>;
  indexer: SectionIndexer | null;
  /** Aborted when the process stops: no new section is taken, the current ones are handed back. */
  stop: AbortSignal;
  /** A section committed (true), failed (its error), or handed back / lost (false). */
  onOutcome: (job: IngestJob, outcome: Outcome) => void;
  /** Tiles of the job's section embedded now (progress), and how far into its planned tiles the section is. */
  onTiles: (job: IngestJob, count: number, section: { done: number; planned: number }) => void;
}

export type Outcome = true | false | { code: string; message: string };

/**
 * One lane: takes the run's sections one at a time until none is left. When none is free but another owner holds
 * one, it waits and looks again, so a section whose owner died is taken over (at once when that owner was a process
 * of this host, else when its lease lapses) instead of leaving the run unfinished.
 */
export async function lane(settings: LaneSettings, ctx: SectionContext): Promise<void> {
  const { catalog, run, owner, leaseMs, stop } = settings;
  while (!stop.aborted) {
    const job = await catalog.leaseJob(run.id, owner, leaseMs);
    if (!job) {
      if (await othersHoldSections(settings)) continue;
      return;
    }
    // Progress within the section: what earlier attempts committed counts as done.
    const within = { done: 0, planned: 0 };
    const onPlanned = (planned: number, committed: number) => Object.assign(within, { done: committed, planned });
    const onTiles = (count: number) => settings.onTiles(job, count, { ...within, done: (within.done += count) });
    const outcome = await withLease(settings, job, (signal) =>
      runJob(settings, { ...ctx, signal, onTiles, onPlanned }, job),
    );
    settings.onOutcome(job, outcome);
  }
}

/** No section is free: true (after a wait, or after releasing a dead owner's) while another owner holds one. */
async function othersHoldSections(settings: LaneSettings): Promise<boolean> {
  const { catalog, run, owner, stop } = settings;
  const held = (await catalog.runProgress(run.id)).leases.filter((l) => l.owner !== owner);
  if (held.length === 0) return false;
  const dead = [...new Set(held.map((l) => l.owner))].filter(ownerIsDeadHere);
  for (const gone of dead) await catalog.releaseLeases(run.id, gone);
  if (dead.length > 0) return true;
  const lapse = Math.min(...held.map((l) => l.expiresAt.getTime())) - Date.now();
  await sleep(Math.min(Math.max(lapse + 50, 100), WAIT_MS), stop);
  return true;
}

/**
 * Runs `work` with the job's lease renewed every third of its length, so a long section is never taken over while
 * its owner lives. The work's signal aborts when the process stops or a renewal finds the lease lost (another
 * worker took it over: this owner's commit would be refused anyway, so it stops between batches).
 */
async function withLease(
  settings: LaneSettings,
  job: IngestJob,
  work: (signal: AbortSignal) => Promise<Outcome>,
): Promise<Outcome> {
  const { catalog, owner, leaseMs, stop } = settings;
  const section = new AbortController();
  const onStop = () => section.abort(stopped());
  stop.addEventListener('abort', onStop, { once: true });
  if (stop.aborted) onStop();
  const timer = setInterval(
    () => {
      catalog.renewLease(job.id, owner, leaseMs).then(
        (held) => held || section.abort(leaseLost(job)),
        () => undefined, // a failed renewal is retried at the next tick; the lease has two more thirds to go
      );
    },
    Math.max(50, leaseMs / 3),
  );
  try {
    return await work(section.signal);
  } finally {
    clearInterval(timer);
    stop.removeEventListener('abort', onStop);
  }
}

async function runJob(settings: LaneSettings, ctx: SectionContext, job: IngestJob): Promise<Outcome> {
  const { catalog, owner, indexer } = settings;
  try {
    const entry = settings.sections.get(job.section);
    if (!entry) throw new CytoclipError('section_removed', `section ${job.section} is no longer in the atlas manifest`);
    // Each commit hands its points to the indexer as it lands; a band committed before comes back with no ids.
    const commit = (points: OutboxPoint[], committed: CompletedSection | false) => {
      if (committed && committed.outboxIds.length > 0) indexer?.add(points, committed.outboxIds);
      return committed !== false;
    };
    return await processSection(ctx, entry, {
      bandsDone: job.bandsDone,
      bandTiles: job.bandTiles,
      band: async (band) => commit(band.points, await catalog.commitBand(job.id, owner, band, settings.leaseMs)),
      complete: async (result) => commit(result.points, await catalog.completeJob(job.id, owner, result)),
    });
  } catch (error) {
    if (ctx.signal?.aborted) {
      // Stopping: the section goes back to the run, uncounted, for whoever comes next. Lease lost: not ours to touch.
      if ((ctx.signal.reason as CytoclipError).code === 'ingest_stopped') await catalog.releaseJob(job.id, owner);
      return false;
    }
    const failure = describeError(error);
    const recorded = await catalog.failJob(job.id, owner, failure);
    return recorded ? failure : false;
  }
}

function stopped(): CytoclipError {
  return new CytoclipError('ingest_stopped', 'the ingest is stopping: the section is handed back for a later run');
}

function leaseLost(job: IngestJob): CytoclipError {
  return new CytoclipError('lease_lost', `another worker took over section ${job.section}`);
}

function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof CytoclipError) return { code: error.code, message: error.message };
  const e = error as { code?: unknown; message?: unknown };
  return {
    code: typeof e?.code === 'string' ? e.code : 'section_failed',
    message: typeof e?.message === 'string' ? e.message : String(error),
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      done();
    }
  });
}
