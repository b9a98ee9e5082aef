// bench:search --fixture [<cache>]: latency and recall@10 on the collection `npm run bench:fixture` built (real tile
// embeddings). Queries are tiles of the collection, drawn with a fixed seed; each asks for 11 hits and leaves itself
// out, so recall@10 is over its 10 nearest other tiles. Unfiltered, and "selective": the query tile's own specimen and
// plane. The truth is exact f32 over every live point, read from the segment files. `ivf`: every search through the
// IVF index, whatever the collection's size (below 50,000 points the store scans exactly).
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import type { SearchFilter } from '@cytoclip/domain';
import { EmbeddedVectorStore, mulberry32, type PointPayload } from '../index.js';
import { readManifest } from '../src/embedded/manifest.js';
import { readSegment, readVectorBlock } from '../src/embedded/segments.js';

const K = 10;

interface Fixture {
  dataDir: string;
  collection: string;
  tiles: number;
}

interface QueryTile {
  id: string;
  vector: Float32Array;
  payload: PointPayload;
}

export function fixtureDir(value: string): string {
  return resolve(value || process.env.CYTOCLIP_BENCH_CACHE || join(homedir(), '.cache', 'cytoclip-bench'));
}

const selective = (q: QueryTile): SearchFilter => ({ specimens: [q.payload.specimen], planes: [q.payload.plane] });

export async function fixtureBench(cache: string, count: number, ivf = false): Promise<object> {
  const fixture = JSON.parse(readFileSync(join(cache, 'fixture.json'), 'utf8')) as Fixture;
  const live = liveRows(join(fixture.dataDir, 'vectors', fixture.collection));
  const opened = performance.now();
  const store = await EmbeddedVectorStore.open(fixture.dataDir, ivf ? { indexFrom: 1, exactUpTo: 0 } : {});
  const reopenSeconds = (performance.now() - opened) / 1000;
  try {
    const random = mulberry32(17);
    const ids = [...live.keys()];
    const picked = Array.from({ length: count + 10 }, () => ids[Math.floor(random() * ids.length)]!);
    const queries = (await store.get(fixture.collection, picked, true)).map((p) => ({
      id: p.id,
      vector: p.vector!,
      payload: p.payload,
    }));
    const truth = groundTruth(join(fixture.dataDir, 'vectors', fixture.collection), live, queries.slice(10));
    const result: Record<string, unknown> = { points: live.size, reopenSeconds: round(reopenSeconds) };
    for (const [kind, filterOf] of [
      ['unfiltered', () => undefined],
      ['selective', selective],
    ] as const) {
      const times: number[] = [];
      let cpu = 0;
      let recall = 0;
      for (const [i, q] of queries.entries()) {
        const filter = filterOf(q);
        const t = performance.now();
        const c = process.cpuUsage();
        const { hits } = await store.search(fixture.collection, q.vector, {
          limit: K + 1,
          ...(filter ? { filter } : {}),
        });
        if (i < 10) continue;
        times.push(performance.now() - t);
        cpu += process.cpuUsage(c).user / 1000;
        const found = hits
          .map((h) => h.id)
          .filter((id) => id !== q.id)
          .slice(0, K);
        const expected = truth[kind === 'unfiltered' ? 0 : 1][i - 10]!;
        recall += found.filter((id) => expected.includes(id)).length / Math.max(1, expected.length);
      }
      times.sort((a, b) => a - b);
      result[kind] = {
        p50Ms: round(times[Math.floor(times.length * 0.5)]!),
        p95Ms: round(times[Math.min(times.length - 1, Math.floor(times.length * 0.95))]!),
        cpuMsPerQuery: round(cpu / times.length),
        recallAt10: round(recall / times.length),
      };
    }
    return {
      bench: 'search',
      fixture: { ...fixture, cache },
      queries: count,
      searchPath: ivf ? 'ivf' : 'store default',
      ...result,
    };
  } finally {
    await store.close();
  }
}

/** The live (segment, index) of every id, replaying the manifest's segments in order. */
function liveRows(dir: string): Map<string, { segment: number; index: number }> {
  const manifest = readManifest(dir)!;
  const live = new Map<string, { segment: number; index: number }>();
  manifest.segments.forEach((file, segment) => {
    const content = readSegment(join(dir, file), manifest.dim);
    if (content.kind === 'delete') content.ids.forEach((id) => live.delete(id));
    else content.ids.forEach((id, index) => live.set(id, { segment, index }));
  });
  return live;
}

/** Exact f32 top-10 of each query (itself left out), unfiltered and within its own specimen and plane. */
function groundTruth(
  dir: string,
  live: Map<string, { segment: number; index: number }>,
  queries: QueryTile[],
): [string[][], string[][]] {
  const manifest = readManifest(dir)!;
  const dim = manifest.dim;
  const best = [
    queries.map(() => [] as { id: string; score: number }[]),
    queries.map(() => [] as { id: string; score: number }[]),
  ];
  manifest.segments.forEach((file, segment) => {
    const content = readSegment(join(dir, file), dim);
    if (content.kind === 'delete') return;
    const vectors = readVectorBlock(join(dir, file), content.ids.length, dim);
    content.ids.forEach((id, index) => {
      const at = live.get(id);
      if (!at || at.segment !== segment || at.index !== index) return; // overwritten or deleted since
      const payload = content.payloads[index]!;
      queries.forEach((q, qi) => {
        if (q.id === id) return;
        let score = 0;
        for (let j = 0; j < dim; j++) score += q.vector[j]! * vectors[index * dim + j]!;
        keep(best[0]![qi]!, id, score);
        if (payload.specimen === q.payload.specimen && payload.plane === q.payload.plane)
          keep(best[1]![qi]!, id, score);
      });
    });
  });
  return [best[0]!.map((list) => list.map((h) => h.id)), best[1]!.map((list) => list.map((h) => h.id))];
}

function keep(list: { id: string; score: number }[], id: string, score: number): void {
  if (list.length === K && score <= list[K - 1]!.score) return;
  list.push({ id, score });
  list.sort((a, b) => b.score - a.score);
  if (list.length > K) list.pop();
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
