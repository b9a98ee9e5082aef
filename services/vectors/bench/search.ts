// npm run bench:search [-- --full] [--sizes 100000,1000000] [--dims 256,512] [--queries 100] [--nprobe 16[,24…]]
// npm run bench:search -- --fixture [<cache>] [--ivf]: on the real embeddings `npm run bench:fixture` built instead.
// Prints JSON: build time and peak RSS (build phase), reopen time, p50/p95 of top-10 search unfiltered / selective /
// broad and recall@10 against exact f32 search, for each size × dimension (and each --nprobe, on the same build).
// Each phase runs in its own process so peak RSS belongs to that phase; `afterOpen` splits the reopened store's
// memory into JS heap and typed arrays (the int8 lists, the row columns).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import usearch from 'usearch';
import type { SearchFilter } from '@cytoclip/domain';
import { EmbeddedVectorStore } from '../index.js';
import { DEFAULT_NPROBE } from '../src/embedded/ivf-search.js';
import { compileFilter } from '../src/embedded/matcher.js';
import { FILTERS, Synthetic } from './data.js';
import { fixtureBench, fixtureDir } from './fixture-search.js';

const COLLECTION = 'bench';
const BATCH = 10_000;
const K = 10;
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};

function peakRssMB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function build(dir: string, n: number, dim: number): Promise<object> {
  const data = new Synthetic(n, dim);
  const store = await EmbeddedVectorStore.open(dir);
  await store.ensureCollection(COLLECTION, { dim });
  let generating = 0;
  const started = performance.now();
  for (let start = 0; start < n; start += BATCH) {
    const t = performance.now();
    const points = data.points(start, Math.min(n, start + BATCH));
    generating += performance.now() - t;
    await store.upsert(COLLECTION, points);
  }
  await store.flush();
  await store.close();
  const seconds = (performance.now() - started - generating) / 1000;
  return { buildSeconds: round(seconds), buildPeakRssMB: peakRssMB(), generateSeconds: round(generating / 1000) };
}

async function query(dir: string, n: number, dim: number, count: number): Promise<object> {
  const data = new Synthetic(n, dim);
  const opened = performance.now();
  const openCpu = process.cpuUsage();
  const store = await EmbeddedVectorStore.open(dir, { nprobe: Number(flag('nprobe', String(DEFAULT_NPROBE))) });
  const reopenSeconds = (performance.now() - opened) / 1000;
  const { user, system } = process.cpuUsage(openCpu);
  const reopenCpuSeconds = (user + system) / 1e6;
  const memory = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  const afterOpen = { rssMB: mb(memory.rss), heapUsedMB: mb(memory.heapUsed), arrayBuffersMB: mb(memory.arrayBuffers) };
  const queries = data.queries(count + 10);
  const result: Record<string, unknown> = {
    reopenSeconds: round(reopenSeconds),
    reopenCpuSeconds: round(reopenCpuSeconds),
    afterOpen,
  };
  const found: Record<string, string[][]> = {};
  for (const [kind, filter] of Object.entries(FILTERS)) {
    const times: number[] = [];
    let cpu = 0;
    found[kind] = [];
    for (const [i, q] of queries.entries()) {
      const t = performance.now();
      const c = process.cpuUsage();
      const { hits } = await store.search(COLLECTION, q, { limit: K, filter });
      if (i < 10) continue; // the first ten warm up
      times.push(performance.now() - t);
      cpu += process.cpuUsage(c).user / 1000;
      found[kind]!.push(hits.map((h) => h.id));
    }
    times.sort((a, b) => a - b);
    // CPU ms per query too: on a shared 2-core machine wall-clock percentiles include other people's load.
    result[kind] = {
      p50Ms: round(quantile(times, 0.5)),
      p95Ms: round(quantile(times, 0.95)),
      cpuMsPerQuery: round(cpu / times.length),
      points: await store.count(COLLECTION, filter),
    };
  }
  result.queryPeakRssMB = peakRssMB();
  const truth = groundTruth(data, queries.slice(10), Object.values(FILTERS));
  Object.keys(FILTERS).forEach((kind, f) => {
    const recall =
      found[kind]!.reduce((sum, ids, i) => sum + ids.filter((id) => truth[f]![i]!.includes(id)).length / K, 0) / count;
    (result[kind] as Record<string, number>).recallAt10 = round(recall);
  });
  await store.close();
  return result;
}

/** Exact f32 top-10 of each query among the points each filter keeps, regenerating the data chunk by chunk. */
function groundTruth(data: Synthetic, queries: Float32Array[], filters: SearchFilter[]): string[][][] {
  const matchers = filters.map((filter) => compileFilter(filter));
  const best: { row: number; score: number }[][][] = filters.map(() => queries.map(() => []));
  const flat = new Float32Array(queries.length * data.dim);
  queries.forEach((q, i) => flat.set(q, i * data.dim));
  for (let start = 0; start < data.total; start += BATCH) {
    const end = Math.min(data.total, start + BATCH);
    const vectors = data.vectors(start, end);
    matchers.forEach((matcher, f) => {
      const rows: number[] = [];
      for (let row = start; row < end; row++) {
        const p = data.payload(row);
        if (
          matcher.partition(p) &&
          (!matcher.section || matcher.section(p.section)) &&
          (!matcher.region || matcher.region(p))
        )
          rows.push(row);
      }
      if (rows.length > 0) topInto(best[f]!, rows, vectors, start, flat, data.dim);
    });
  }
  return best.map((perQuery) => perQuery.map((list) => list.map((hit) => Synthetic.id(hit.row))));
}

function topInto(
  best: { row: number; score: number }[][],
  rows: number[],
  vectors: Float32Array,
  start: number,
  flat: Float32Array,
  dim: number,
): void {
  const kept = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => kept.set(vectors.subarray((row - start) * dim, (row - start + 1) * dim), i * dim));
  const k = Math.min(K, rows.length);
  const { keys, distances } = usearch.exactSearch(kept, flat, dim, k, usearch.MetricKind.IP, 0) as unknown as {
    keys: BigUint64Array;
    distances: Float32Array;
  };
  best.forEach((list, qi) => {
    for (let j = 0; j < k; j++) list.push({ row: rows[Number(keys[qi * k + j])]!, score: -distances[qi * k + j]! });
    list.sort((a, b) => b.score - a.score).splice(K);
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function phase(name: string, dir: string, n: number, dim: number, count: number, nprobe = DEFAULT_NPROBE): object {
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=source',
      fileURLToPath(import.meta.url),
      '--phase',
      name,
      '--dir',
      dir,
      '--n',
      String(n),
      '--dim',
      String(dim),
      '--queries',
      String(count),
      '--nprobe',
      String(nprobe),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  if (child.status !== 0) throw new Error(`bench phase ${name} failed (${child.status})`);
  return JSON.parse(child.stdout) as object;
}

async function main(): Promise<void> {
  const phaseName = flag('phase', '');
  if (phaseName) {
    const [dir, n, dim, count] = [
      flag('dir', ''),
      Number(flag('n', '0')),
      Number(flag('dim', '0')),
      Number(flag('queries', '100')),
    ];
    const out = phaseName === 'build' ? await build(dir, n, dim) : await query(dir, n, dim, count);
    process.stdout.write(JSON.stringify(out));
    return;
  }
  if (args.includes('--fixture')) {
    const value = flag('fixture', '');
    const cache = fixtureDir(value.startsWith('--') ? '' : value);
    const report = await fixtureBench(cache, Number(flag('queries', '100')), args.includes('--ivf'));
    console.log(JSON.stringify({ ...report, machine: { cpus: cpus().length, node: process.version } }, null, 2));
    return;
  }
  const sizes = flag('sizes', args.includes('--full') ? '100000,1000000' : '100000')
    .split(',')
    .map(Number);
  const dims = flag('dims', '256,512').split(',').map(Number);
  const count = Number(flag('queries', '100'));
  const runs = [];
  for (const n of sizes) {
    for (const dim of dims) {
      const dir = mkdtempSync(join(tmpdir(), 'cytoclip-bench-'));
      try {
        const built = phase('build', dir, n, dim, count);
        for (const nprobe of flag('nprobe', String(DEFAULT_NPROBE)).split(',').map(Number)) {
          const run = { points: n, dim, nprobe, ...built, ...phase('query', dir, n, dim, count, nprobe) };
          process.stderr.write(`${JSON.stringify(run)}\n`);
          runs.push(run);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };
  console.log(JSON.stringify({ bench: 'search', store: 'embedded', topK: K, queries: count, machine, runs }, null, 2));
}

await main();
