// npm run bench:compact [-- --n 200000] [--dim 256] [--queries 50]
// What compaction reclaims: a collection of n points written twice (an ingest run again: every point overwritten, half
// the rows dead), searched before and after `compact`. Prints JSON: rows, bytes on disk, p50 and CPU ms per top-10
// query unfiltered and selective before and after, and the compaction's time.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedVectorStore } from '../index.js';
import { FILTERS, Synthetic } from './data.js';

const COLLECTION = 'bench';
const BATCH = 10_000;
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const n = Number(flag('n', '200000'));
const dim = Number(flag('dim', '256'));
const count = Number(flag('queries', '50'));

async function writeAll(store: EmbeddedVectorStore, data: Synthetic): Promise<void> {
  for (let start = 0; start < n; start += BATCH)
    await store.upsert(COLLECTION, data.points(start, Math.min(n, start + BATCH)));
}

/** p50 wall and mean CPU ms of top-10 queries, unfiltered and selective (10 warm-up queries first). */
async function timings(store: EmbeddedVectorStore, queries: Float32Array[]): Promise<Record<string, object>> {
  const out: Record<string, object> = {};
  for (const kind of ['unfiltered', 'selective'] as const) {
    const times: number[] = [];
    let cpu = 0;
    for (const [i, q] of queries.entries()) {
      const t = performance.now();
      const c = process.cpuUsage();
      await store.search(COLLECTION, q, { limit: 10, filter: FILTERS[kind] });
      if (i < 10) continue;
      times.push(performance.now() - t);
      cpu += process.cpuUsage(c).user / 1000;
    }
    times.sort((a, b) => a - b);
    out[kind] = { p50Ms: round(times[Math.floor(times.length / 2)]!), cpuMsPerQuery: round(cpu / times.length) };
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

const dir = mkdtempSync(join(tmpdir(), 'cytoclip-bench-compact-'));
try {
  const data = new Synthetic(n, dim);
  const store = await EmbeddedVectorStore.open(dir, { compactShare: 2 }); // never by itself: the bench decides
  await store.ensureCollection(COLLECTION, { dim });
  await writeAll(store, data);
  await writeAll(store, data); // every point again: the first copies are dead
  await store.flush();
  const queries = data.queries(count + 10);
  const stale = await store.stats(COLLECTION);
  const before = await timings(store, queries);
  const report = await store.compact(COLLECTION);
  const after = await timings(store, queries);
  const compacted = await store.stats(COLLECTION);
  await store.close();
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };
  console.log(
    JSON.stringify(
      {
        bench: 'compact',
        points: n,
        dim,
        queries: count,
        before: { ...stale, ...before },
        compaction: report,
        after: { ...compacted, ...after },
        machine,
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
