import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAtlas } from '@cytoclip/atlas';
import { REPO_ROOT } from '../../../test/support/index.js';
import { inProcessIngest } from '../src/ingest-jobs.js';
import { openPlatform, settingsFromEnv, type Platform, type Settings } from '../src/platform.js';

// POST /v1/ingest's job records live in the catalog: the platform is closed and reopened on the same DATA_DIR (a
// restart) and GET /v1/ingest/{id} still answers; a job whose process died mid-run comes back failed, not running.
const dataDir = mkdtempSync(join(tmpdir(), 'cytoclip-ingest-jobs-'));
const key = { authorization: 'Bearer jobs-key', 'content-type': 'application/json' };
let settings: Settings;

interface Job {
  id: string;
  state: string;
  atlas: string;
  progress: { done: number; total: number; tiles?: { done: number; planned: number } };
  error: string | null;
  runId?: string;
  createdAt: string;
  finishedAt: string | null;
}

const open = () =>
  openPlatform(settings, {
    config: { apiKey: 'jobs-key' }, // the default atlas root follows the platform's DATA_DIR
    ingest: (p) => inProcessIngest(p, settings),
  });

async function getJob(platform: Platform, id: string): Promise<{ status: number; job: Job }> {
  const response = await platform.api.app.request(`/v1/ingest/${id}`, { headers: key });
  return { status: response.status, job: (await response.json()) as Job };
}

async function waitFinished(platform: Platform, id: string): Promise<Job> {
  for (let i = 0; i < 600; i++) {
    const { job } = await getJob(platform, id);
    if (job.state === 'done' || job.state === 'failed') return job;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`ingest job ${id} did not finish`);
}

beforeAll(async () => {
  await generateAtlas({ preset: 'tiny', seed: 5, out: join(dataDir, 'atlases', 'tiny'), planes: ['coronal'] });
  settings = settingsFromEnv({
    DATA_DIR: dataDir,
    CYTOCLIP_MODELS: join(REPO_ROOT, 'services/model/test/fixture-model'),
  });
}, 300_000);

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('POST /v1/ingest across a restart', () => {
  let finished: Job;
  let crashedId: string;

  it('runs a job to the end and records it in the catalog', async () => {
    const platform = await open();
    try {
      const started = await platform.api.app.request('/v1/ingest', {
        method: 'POST',
        headers: key,
        body: JSON.stringify({ atlas: 'tiny' }),
      });
      expect(started.status).toBe(202);
      const accepted = (await started.json()) as Job;
      expect(accepted).toMatchObject({ state: 'queued', atlas: join(dataDir, 'atlases', 'tiny'), finishedAt: null });
      finished = await waitFinished(platform, accepted.id);
      expect(finished).toMatchObject({ id: accepted.id, state: 'done', error: null, runId: expect.any(String) });
      expect(finished.progress.total).toBeGreaterThan(0);
      expect(finished.progress.done).toBe(finished.progress.total);
      // Within sections: tiles committed of those planned (a big section commits in bands), all of them at the end.
      expect(finished.progress.tiles!.planned).toBeGreaterThan(0);
      expect(finished.progress.tiles!.done).toBe(finished.progress.tiles!.planned);
      // A process that dies mid-job leaves its record running under a lease nobody renews.
      const crashed = await platform.catalog.createIngestRequest({
        atlasPath: accepted.atlas,
        owner: 'a-process-that-died',
        leaseMs: 3_600_000,
      });
      await platform.catalog.updateIngestRequest(
        crashed.id,
        'a-process-that-died',
        { state: 'running', sectionsTotal: 4 },
        3_600_000,
      );
      crashedId = crashed.id;
      expect((await getJob(platform, crashedId)).job.state).toBe('running');
    } finally {
      await platform.close();
    }
  }, 300_000);

  it('answers GET for the finished job after the platform reopens on the same DATA_DIR', async () => {
    const platform = await open();
    try {
      const { status, job } = await getJob(platform, finished.id);
      expect(status).toBe(200);
      expect(job).toEqual(finished);
      expect((await getJob(platform, crypto.randomUUID())).status).toBe(404);
    } finally {
      await platform.close();
    }
  }, 120_000);

  it('reports the job of the dead process as failed (interrupted), and posting again resumes nothing left to do', async () => {
    const platform = await open();
    try {
      const { job } = await getJob(platform, crashedId);
      expect(job).toMatchObject({
        state: 'failed',
        error: expect.stringContaining('interrupted'),
        progress: { done: 0, total: 4 },
      });
      expect(job.finishedAt).not.toBeNull();
      const again = await platform.api.app.request('/v1/ingest', {
        method: 'POST',
        headers: key,
        body: JSON.stringify({ atlas: 'tiny' }),
      });
      const rerun = await waitFinished(platform, ((await again.json()) as Job).id);
      expect(rerun).toMatchObject({ state: 'done', progress: { done: 0, total: 0 } });
    } finally {
      await platform.close();
    }
  }, 120_000);

  it('refuses another atlas under the name of an ingested one from another folder, and replaces it on replace: true', async () => {
    // Another atlas (another seed) under the same name, in another folder under the atlas root.
    await generateAtlas({ preset: 'tiny', seed: 6, out: join(dataDir, 'atlases', 'tiny-2'), planes: ['coronal'] });
    const name = JSON.parse(readFileSync(join(dataDir, 'atlases', 'tiny', 'atlas.json'), 'utf8')).name as string;
    const manifest = join(dataDir, 'atlases', 'tiny-2', 'atlas.json');
    writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), name }));
    const platform = await open();
    try {
      const post = (body: object) =>
        platform.api.app.request('/v1/ingest', { method: 'POST', headers: key, body: JSON.stringify(body) });
      const refused = await waitFinished(platform, ((await (await post({ atlas: 'tiny-2' })).json()) as Job).id);
      expect(refused).toMatchObject({ state: 'failed', error: expect.stringContaining('replace') });
      expect((await platform.catalog.getAtlas(name))!.root).toBe(join(dataDir, 'atlases', 'tiny'));
      const bad = await post({ atlas: 'tiny-2', replace: 'yes' });
      expect(bad.status).toBe(400);
      const replaced = await waitFinished(
        platform,
        ((await (await post({ atlas: 'tiny-2', replace: true })).json()) as Job).id,
      );
      expect(replaced).toMatchObject({ state: 'done', error: null });
      expect((await platform.catalog.getAtlas(name))!.root).toBe(join(dataDir, 'atlases', 'tiny-2'));
    } finally {
      await platform.close();
    }
  }, 300_000);
});
