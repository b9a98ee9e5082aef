// npm run bench:soak [-- --minutes N --concurrency C] — a soak run: a server (its own process, bench/soak-server.ts)
// over a fresh DATA_DIR holding the tiny synthetic atlas, under CONCURRENCY loops of mixed requests for MINUTES (10)
// minutes — text searches (each text new, half of them filtered), find-similar from stored tiles and image uploads —
// while a background loop re-ingests a second copy of the atlas (replace: true) again and again. Prints one JSON
// report: requests/s, p50/p95/p99, errors by status, the server's RSS every 10 s and its growth after the first minute.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateAtlas } from '@cytoclip/atlas';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    // off: requests only, to tell the server's own growth from what a churning ingest adds (PGlite's WASM heap grows)
    'background-ingest': { type: 'string', default: 'on' },
    // auto (jemalloc as the Docker images run it, when installed, else glibc), glibc, or a malloc library to preload
    allocator: { type: 'string', default: 'auto' },
  },
});
const BACKGROUND_INGEST = values['background-ingest'] !== 'off';
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
// The images' setting (docker/*.Dockerfile): freed pages handed back by a background thread within a second.
const JEMALLOC_CONF = 'background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0';
const ALLOCATOR = values.allocator === 'auto' ? (existsSync(JEMALLOC) ? JEMALLOC : 'glibc') : values.allocator!;
if (ALLOCATOR !== 'glibc' && !existsSync(ALLOCATOR))
  throw new Error(`--allocator must be glibc or the path of a malloc library to preload; ${ALLOCATOR} does not exist`);
const MINUTES = Number(values.minutes);
const CONCURRENCY = Number(values.concurrency);
if (!(MINUTES > 0) || !Number.isInteger(CONCURRENCY) || CONCURRENCY < 1)
  throw new Error('--minutes must be a positive number and --concurrency a positive integer');
const KEY = 'soak-admin-key';
const RSS_EVERY_MS = 10_000;
const BASE_ATLAS = 'tiny-fetal-nissl';
const CHURN_ATLAS = 'tiny-soak-churn';

type Kind = 'text' | 'similar' | 'upload';
interface Tally {
  latencies: Record<Kind, number[]>;
  errorsByStatus: Record<string, number>;
  firstErrors: string[];
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
}
const round = (x: number) => Math.round(x * 10) / 10;

/** The tiny atlas, and a copy under another name for the background re-ingests. */
async function atlases(root: string): Promise<{ base: string; churn: string }> {
  const base = join(root, BASE_ATLAS);
  await generateAtlas({ preset: 'tiny', seed: 7, out: base });
  const churn = join(root, CHURN_ATLAS);
  await cp(base, churn, { recursive: true });
  const manifest = JSON.parse(await readFile(join(churn, 'atlas.json'), 'utf8')) as { name: string };
  await writeFile(join(churn, 'atlas.json'), JSON.stringify({ ...manifest, name: CHURN_ATLAS }, null, 1));
  return { base, churn };
}

/** Starts the server process and resolves its URL once it listens. */
function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const script = join(fileURLToPath(new URL('.', import.meta.url)), 'soak-server.ts');
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const url = /SOAK_URL (\S+)/.exec(out)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`the soak server exited ${code} before listening`)));
  });
}

/** The server's resident set in MB (Linux /proc; `ps` elsewhere). */
async function rssMb(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
  } catch {
    const ps = spawn('ps', ['-o', 'rss=', '-p', String(pid)]);
    let out = '';
    ps.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((done) => ps.on('exit', done));
    return round(Number(out.trim()) / 1024);
  }
}

const admin = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

/**
 * Where the server's memory sits, from its own /metrics (prom-client's process defaults): the JS heap in use and
 * external memory (ArrayBuffers, WebAssembly memories such as PGlite's, native buffers), in MB; null if unreadable.
 */
async function memoryParts(url: string): Promise<{ heapMb: number; externalMb: number } | null> {
  try {
    const text = await (await fetch(`${url}/metrics`, { headers: admin })).text();
    const read = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
    const heap = read('nodejs_heap_size_used_bytes');
    const external = read('nodejs_external_memory_bytes');
    return Number.isFinite(heap) && Number.isFinite(external)
      ? { heapMb: round(heap / 2 ** 20), externalMb: round(external / 2 ** 20) }
      : null;
  } catch {
    return null;
  }
}

async function ingest(url: string, atlas: string, replace: boolean): Promise<'done' | 'failed'> {
  const res = await fetch(`${url}/v1/ingest`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ atlas, replace }),
  });
  if (res.status !== 202) throw new Error(`ingest of ${atlas} refused: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const job = (await (await fetch(`${url}/v1/ingest/${id}`, { headers: admin })).json()) as { state: string };
    if (job.state === 'done' || job.state === 'failed') return job.state;
  }
}

async function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/v1/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** What the loops draw from: region descriptions for texts, stored tiles for find-similar, their images for uploads. */
async function material(url: string) {
  const regions = (await (await fetch(`${url}/v1/regions`)).json()) as { regions: { description?: string }[] };
  const texts = JSON.stringify(regions)
    .match(/"description":"([^"]{8,})"/g)
    ?.map((m) => m.slice(15, -1))
    .slice(0, 24) ?? ['layered cortex with dense granular cells'];
  const page = (await (
    await postJson(url, { query: { text: 'cortical plate' }, limit: 100, filter: { atlases: [BASE_ATLAS] } })
  ).json()) as { results: { id: string }[] };
  const tiles = page.results.map((r) => r.id);
  const images = await Promise.all(
    tiles
      .slice(0, 4)
      .map(async (id) => new Uint8Array(await (await fetch(`${url}/v1/tiles/${id}/image`)).arrayBuffer())),
  );
  return { texts, tiles, images };
}

function request(url: string, kind: Kind, i: number, worker: number, m: Awaited<ReturnType<typeof material>>) {
  if (kind === 'text') {
    // A running number makes each text new, so the server's text-embedding cache never answers.
    const filter = i % 2 === 1 ? { filter: { planes: ['coronal'] } } : {};
    return postJson(url, { query: { text: `${m.texts[i % m.texts.length]} ${worker}-${i}` }, limit: 20, ...filter });
  }
  if (kind === 'similar') return postJson(url, { query: { tileId: m.tiles[i % m.tiles.length] }, limit: 20 });
  const form = new FormData();
  form.set('image', new Blob([m.images[i % m.images.length]!], { type: 'image/png' }), 'tile.png');
  form.set('request', JSON.stringify({ limit: 20 }));
  return fetch(`${url}/v1/search/image`, { method: 'POST', body: form });
}

/** Six text searches, three find-similar and one upload in every ten requests of a loop. */
const MIX: Kind[] = ['text', 'similar', 'text', 'text', 'similar', 'upload', 'text', 'text', 'similar', 'text'];

async function loop(url: string, worker: number, deadline: number, m: Awaited<ReturnType<typeof material>>, t: Tally) {
  for (let i = worker; performance.now() < deadline; i++) {
    const kind = MIX[i % MIX.length]!;
    const started = performance.now();
    try {
      const res = await request(url, kind, i, worker, m);
      await res.arrayBuffer();
      if (res.ok) t.latencies[kind].push(performance.now() - started);
      else {
        t.errorsByStatus[res.status] = (t.errorsByStatus[res.status] ?? 0) + 1;
        if (t.firstErrors.length < 5) t.firstErrors.push(`${kind}: HTTP ${res.status}`);
      }
    } catch (error) {
      t.errorsByStatus.network = (t.errorsByStatus.network ?? 0) + 1;
      if (t.firstErrors.length < 5) t.firstErrors.push(`${kind}: ${String(error)}`);
    }
  }
}

/** Re-ingests the churn copy (replace: true, so every section is cut and embedded again) until the deadline. */
async function churn(url: string, atlas: string, deadline: number) {
  const runs = { done: 0, failed: 0 };
  while (performance.now() < deadline) runs[await ingest(url, atlas, true)]++;
  return runs;
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

const root = await mkdtemp(join(tmpdir(), 'cytoclip-soak-'));
let server: { child: ChildProcess; url: string } | null = null;
try {
  const { churn: churnDir } = await atlases(join(root, 'atlases'));
  server = await startServer({
    DATA_DIR: join(root, 'data'),
    CYTOCLIP_ATLAS_ROOTS: join(root, 'atlases'),
    CYTOCLIP_API_KEY: KEY,
    CYTOCLIP_LOG_LEVEL: 'warn',
    CYTOCLIP_RATE_LIMIT: '0',
    ...(ALLOCATOR === 'glibc' ? {} : { LD_PRELOAD: ALLOCATOR, MALLOC_CONF: process.env.MALLOC_CONF ?? JEMALLOC_CONF }),
  });
  const { url, child } = server;
  const prepared = performance.now();
  if ((await ingest(url, join(root, 'atlases', BASE_ATLAS), false)) !== 'done')
    throw new Error('the tiny atlas failed');
  const ingestSeconds = round((performance.now() - prepared) / 1000);
  const m = await material(url);

  const started = performance.now();
  const deadline = started + MINUTES * 60_000;
  type Sample = { t: number; mb: number; heapMb?: number; externalMb?: number };
  const sample = async (): Promise<Sample> => {
    const t = round((performance.now() - started) / 1000);
    const [mb, parts] = await Promise.all([rssMb(child.pid!), memoryParts(url)]);
    return { t, mb, ...(parts ?? {}) };
  };
  const rss: Sample[] = [await sample()];
  const sampler = setInterval(() => void sample().then((s) => rss.push(s)), RSS_EVERY_MS);
  const tally: Tally = { latencies: { text: [], similar: [], upload: [] }, errorsByStatus: {}, firstErrors: [] };
  const [ingests] = await Promise.all([
    BACKGROUND_INGEST ? churn(url, churnDir, deadline) : Promise.resolve({ done: 0, failed: 0, off: true }),
    ...Array.from({ length: CONCURRENCY }, (_, w) => loop(url, w, deadline, m, tally)),
  ]);
  clearInterval(sampler);
  const elapsed = (performance.now() - started) / 1000;
  rss.push(await sample());
  const exitCode = await stop(child);
  server = null;

  const all = Object.values(tally.latencies)
    .flat()
    .sort((a, b) => a - b);
  const errors = Object.values(tally.errorsByStatus).reduce((a, b) => a + b, 0);
  // Growth after the warm-up: from the first sample at 60 s (or half-way through a shorter run) to the end.
  const baseline = rss.find((s) => s.t >= Math.min(60, elapsed / 2))!;
  const end = rss.at(-1)!;
  const byKind = Object.fromEntries(
    Object.entries(tally.latencies).map(([kind, times]) => {
      const sorted = [...times].sort((a, b) => a - b);
      return [kind, { requests: times.length, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95) }];
    }),
  );
  const report = {
    bench: 'soak',
    minutes: MINUTES,
    concurrency: CONCURRENCY,
    allocator: ALLOCATOR,
    ...(ALLOCATOR === 'glibc' ? {} : { mallocConf: process.env.MALLOC_CONF ?? JEMALLOC_CONF }),
    atlas: { preset: 'tiny', ingestSeconds },
    requests: all.length + errors,
    requestsPerSecond: round((all.length + errors) / elapsed),
    latencyMs: { p50: percentile(all, 50), p95: percentile(all, 95), p99: percentile(all, 99) },
    byKind,
    errors,
    errorsByStatus: tally.errorsByStatus,
    firstErrors: tally.firstErrors,
    backgroundIngest: ingests,
    rss: {
      everySeconds: RSS_EVERY_MS / 1000,
      samples: rss,
      baseline,
      endMb: end.mb,
      growthAfterFirstMinutePercent: round(((end.mb - baseline.mb) / baseline.mb) * 100),
    },
    serverExit: exitCode,
    machine: { cpus: cpus().length, node: process.version },
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  if (server) await stop(server.child);
  await rm(root, { recursive: true, force: true });
}
