import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '@cytoclip/catalog';
import { openVectorStore } from '@cytoclip/vectors';
import { REPO_ROOT, tinyAtlas } from '../../../test/support/index.js';

// SIGTERM (a supervisor, `docker stop`) or Ctrl-C in the middle of an ingest, in each process that ingests: the
// process stops taking sections, hands back the ones it holds (a later run redoes them), closes the server and the
// stores (their locks go with them) and exits 0 within 10 s. Before, `cytoclip ingest` died with the signal and left
// its locks, and the servers closed the stores under a running ingest, leaving its sections leased.

const FIXTURE = join(REPO_ROOT, 'services/model/test/fixture-model');
const KEY = 'shutdown-key';
const TILE = 'cytoclip-tiny-random_1';
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

interface Cli {
  child: ChildProcess;
  out: string;
  err: string;
  exit: Promise<number | null>;
}

/** `cytoclip <args>` in its own process, from the sources, over `dataDir` with the fixture model. */
function cytoclip(args: string[], dataDir: string): Cli {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'apps/cli/src/run.ts', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      CI: undefined,
      DATA_DIR: dataDir,
      CYTOCLIP_MODELS: FIXTURE,
      CYTOCLIP_API_KEY: KEY,
      DATABASE_URL: '',
      QDRANT_URL: '',
      PORT: '0',
      HOST: '127.0.0.1',
    },
  });
  const cli: Cli = { child, out: '', err: '', exit: new Promise((done) => child.once('exit', done)) };
  child.stdout!.on('data', (d: Buffer) => (cli.out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (cli.err += d.toString()));
  return cli;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined> | T | null | undefined, cli: Cli) {
  const deadline = Date.now() + 180_000;
  let exited = false;
  void cli.exit.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    const found = await probe();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: never happened\n--- stdout\n${cli.out}\n--- stderr\n${cli.err}`);
}

/** Sends SIGTERM and returns the exit status and how long the process took to go. */
async function terminate(cli: Cli): Promise<{ code: number | null; ms: number }> {
  const sent = Date.now();
  cli.child.kill('SIGTERM');
  const code = await cli.exit;
  return { code, ms: Date.now() - sent };
}

async function get(url: string): Promise<unknown> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${KEY}` } });
  return response.ok ? response.json() : null;
}

async function postIngest(base: string, atlas: string): Promise<{ id: string }> {
  const response = await fetch(`${base}/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ atlas }),
  });
  expect(response.status).toBe(202);
  return (await response.json()) as { id: string };
}

/** The URL from the listening document `serve` and `start` print with --json. */
function urlOf(cli: Cli): string | null {
  return /"url":\s*"([^"]+)"/.exec(cli.out)?.[1] ?? null;
}

/** What every process must leave behind: no pid file of either embedded store, no takeover marker, no temp file. */
async function expectNoLocks(dataDir: string): Promise<void> {
  const left = (await readdir(dataDir, { recursive: true })).filter((f) =>
    /(^|\/)(catalog\.pid|LOCK)(\.|$)|\.tmp(\.tif)?$/.test(String(f)),
  );
  expect(left).toEqual([]);
}

async function withCatalog<T>(dataDir: string, use: (catalog: Catalog) => Promise<T>): Promise<T> {
  const catalog = await openCatalog({ dataDir });
  try {
    return await use(catalog);
  } finally {
    await catalog.close();
  }
}

/** The atlas's runs: none may hold a lease once its process has gone. */
async function leases(dataDir: string, atlas: string) {
  return withCatalog(dataDir, async (catalog) => {
    const runs = await catalog.listRuns(atlas);
    return Promise.all(runs.map(async (r) => (await catalog.runProgress(r.id)).jobs));
  });
}

async function renamedCopy(name: string, dest: string): Promise<void> {
  await cp(await tinyAtlas(), dest, { recursive: true });
  const manifest = JSON.parse(await readFile(join(dest, 'atlas.json'), 'utf8'));
  await writeFile(join(dest, 'atlas.json'), JSON.stringify({ ...manifest, name }));
}

describe('SIGTERM during an ingest', () => {
  it('cytoclip ingest: exits 0 within 10 s, leaves no lock, and a rerun completes the atlas exactly', async () => {
    const dataDir = await tempDir('cytoclip-sigterm-ingest-');
    const atlas = await tinyAtlas();
    const first = cytoclip(['ingest', atlas], dataDir);
    await until('a section committed', () => first.err.includes('section-done'), first);
    const { code, ms } = await terminate(first);
    expect(code, first.err).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(first.out).toContain('stopped; run the same command again to resume it');
    await expectNoLocks(dataDir);
    const [jobs] = await leases(dataDir, 'tiny-fetal-nissl');
    expect(jobs).toMatchObject({ total: 5, leased: 0, failed: 0 });
    expect(jobs!.done).toBeGreaterThanOrEqual(1);
    expect(jobs!.done).toBeLessThan(5);

    const second = cytoclip(['ingest', atlas, '--json'], dataDir);
    expect(await second.exit, second.err).toBe(0);
    const report = JSON.parse(second.out) as { status: string; processed: { done: number } };
    expect(report).toMatchObject({ status: 'complete', processed: { done: 5 - jobs!.done } });
    await expectNoLocks(dataDir);

    // The same atlas under another name, ingested in one go, is what the interrupted one must add up to.
    const reference = join(dataDir, 'reference');
    await renamedCopy('tiny-reference', reference);
    const whole = cytoclip(['ingest', reference], dataDir);
    expect(await whole.exit, whole.err).toBe(0);
    await withCatalog(dataDir, async (catalog) => {
      const tiles = await catalog.countTiles({ atlas: 'tiny-fetal-nissl' });
      expect(tiles).toBeGreaterThan(100);
      expect(tiles).toBe(await catalog.countTiles({ atlas: 'tiny-reference' }));
      expect(await catalog.countOutbox()).toBe(0);
      const vectors = await openVectorStore({ dataDir });
      try {
        expect(await vectors.count(TILE, { atlases: ['tiny-fetal-nissl'] })).toBe(tiles);
        expect(await vectors.count(TILE)).toBe(await catalog.countTiles());
      } finally {
        await vectors.close();
      }
    });
    expect((await readdir(join(dataDir, 'sections', 'tiny-fetal-nissl'))).length).toBe(5);
  }, 600_000);

  it('cytoclip start, then serve with POST /v1/ingest: each exits 0 within 10 s, and the next run resumes', async () => {
    const dataDir = await tempDir('cytoclip-sigterm-serve-');
    await renamedCopy('tiny-start', join(dataDir, 'atlases', 'tiny-fetal-nissl'));
    await renamedCopy('tiny-api', join(dataDir, 'atlases', 'tiny-api'));

    // The start-up ingest of `cytoclip start`, stopped once its first section is searchable.
    const start = cytoclip(['start', '--preset', 'tiny', '--json'], dataDir);
    const url = await until('the listening document', () => urlOf(start), start);
    await until(
      'a section ingested',
      async () => ((await get(`${url}/v1/atlases`)) as { atlases?: { sections: number }[] })?.atlases?.[0]?.sections,
      start,
    );
    let stopped = await terminate(start);
    expect(stopped.code, start.err).toBe(0);
    expect(stopped.ms).toBeLessThan(10_000);
    expect(start.err).toContain('stopped: tiny-start');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await expectNoLocks(dataDir);
    expect((await leases(dataDir, 'tiny-start'))[0]).toMatchObject({ leased: 0, failed: 0 });

    // A POST /v1/ingest job on `cytoclip serve`, stopped the same way: it reads interrupted, and posting resumes it.
    const serve = cytoclip(['serve', '--json'], dataDir);
    const api = await until('the listening document', () => urlOf(serve), serve);
    const job = await postIngest(api, 'tiny-api');
    await until(
      'a section of the job done',
      async () => ((await get(`${api}/v1/ingest/${job.id}`)) as { progress?: { done: number } })?.progress?.done,
      serve,
    );
    stopped = await terminate(serve);
    expect(stopped.code, serve.err).toBe(0);
    expect(stopped.ms).toBeLessThan(10_000);
    await expectNoLocks(dataDir);
    expect((await leases(dataDir, 'tiny-api'))[0]).toMatchObject({ leased: 0, failed: 0 });
    const request = await withCatalog(dataDir, (catalog) => catalog.getIngestRequest(job.id));
    expect(request).toMatchObject({ state: 'failed', error: expect.stringContaining('interrupted') });

    // Back up: the start-up ingest finishes the first atlas, a new POST the second; both exactly once.
    const again = cytoclip(['start', '--preset', 'tiny', '--json'], dataDir);
    const back = await until('the listening document', () => urlOf(again), again);
    await until('ready', async () => (await fetch(`${back}/readyz`)).ok, again);
    const resumed = await postIngest(back, 'tiny-api');
    const done = await until(
      'the resumed job finished',
      async () => {
        const state = (await get(`${back}/v1/ingest/${resumed.id}`)) as { state?: string } | null;
        return state?.state === 'done' || state?.state === 'failed' ? state : null;
      },
      again,
    );
    expect(done).toMatchObject({ state: 'done' });
    const models = (await get(`${back}/v1/models`)) as {
      models: { indexes: { complete: boolean; sections: { done: number; total: number } }[] }[];
    };
    expect(models.models[0]!.indexes[0]).toMatchObject({ complete: true, sections: { done: 10, total: 10 } });
    stopped = await terminate(again);
    expect(stopped.code, again.err).toBe(0);
    await expectNoLocks(dataDir);
    await withCatalog(dataDir, async (catalog) => {
      expect(await catalog.countTiles({ atlas: 'tiny-start' })).toBe(await catalog.countTiles({ atlas: 'tiny-api' }));
      const vectors = await openVectorStore({ dataDir });
      try {
        expect(await vectors.count(TILE)).toBe(await catalog.countTiles());
      } finally {
        await vectors.close();
      }
    });
    expect(existsSync(join(dataDir, 'catalog.pid'))).toBe(false);
  }, 600_000);
});
