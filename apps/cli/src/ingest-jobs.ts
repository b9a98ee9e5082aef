import { randomUUID } from 'node:crypto';
import type { IngestJob, QueryIngest } from '@cytoclip/query';
import type { Platform, Settings } from './platform.js';
import { ingestInProcess } from './startup-ingest.js';

/**
 * POST /v1/ingest for a single server: jobs run one after another in this process (the embedded catalog admits one
 * process; with PostgreSQL, more workers can join through `cytoclip ingest`).
 */
export function inProcessIngest(platform: () => Platform, settings: Settings): QueryIngest {
  const jobs = new Map<string, IngestJob>();
  let queue: Promise<unknown> = Promise.resolve();
  return {
    async start(atlasPath) {
      const job: IngestJob = { id: randomUUID(), atlas: atlasPath, state: 'queued', progress: { done: 0, total: 0 }, error: null };
      jobs.set(job.id, job);
      queue = queue.then(async () => {
        job.state = 'running';
        try {
          const report = await ingestInProcess(platform(), atlasPath, settings, (e) => (job.progress = { done: e.sectionsDone, total: e.sectionsTotal }));
          job.runId = report.runId;
          job.state = report.status === 'complete' ? 'done' : 'failed';
          if (report.progress.failures.length) job.error = report.progress.failures.map((f) => `${f.section}: ${f.error.message}`).join('; ');
        } catch (error) {
          job.state = 'failed';
          job.error = (error as Error).message;
        }
      });
      return { ...job };
    },
    async get(id) {
      const job = jobs.get(id);
      return job ? { ...job } : runAsJob(platform(), id);
    },
  };
}

/** A run in the catalog (e.g. one that `cytoclip ingest` workers are doing) reported as a job: GET /v1/ingest/{runId}. */
async function runAsJob(platform: Platform, id: string): Promise<IngestJob | null> {
  const run = await platform.catalog.getRun(id).catch(() => null);
  if (!run) return null;
  const progress = await platform.catalog.runProgress(id);
  const state = run.status === 'running' ? 'running' : run.status === 'complete' ? 'done' : 'failed';
  const error = progress.failures.map((f) => `${f.section}: ${f.error.message}`).join('; ') || null;
  return { id, runId: id, atlas: run.atlas, state, progress: { done: progress.jobs.done + progress.jobs.failed, total: progress.jobs.total }, error };
}
