// npm run bench:query — text-query latency through the HTTP API (p50/p95, filtered and not) over the atlas ingested
// in DATA_DIR (the demo atlas after `npm start`), then requests/s from a second process for BENCH_SECONDS (30) s.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@cytoclip/query';
import type { SearchResponse } from '@cytoclip/query/api-types';
import { openPlatform, settingsFromEnv } from '../src/platform.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 100);
const FILTER = { gestationalWeek: { gte: 18, lte: 24 }, planes: ['coronal'] };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function latency(url: string, texts: string[], filter: object | undefined, pass: number, retrieval?: string) {
  const times: number[] = [];
  let results = 0;
  for (let i = 0; i < SAMPLES; i++) {
    // A number makes every text new, so each request pays for its text embedding (the server caches repeated texts).
    const body = JSON.stringify({
      query: { text: `${texts[i % texts.length]} r${pass}-${i}` },
      limit: 20,
      ...(filter ? { filter } : {}),
      ...(retrieval ? { retrieval } : {}),
    });
    const started = performance.now();
    const res = await fetch(`${url}/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const json = (await res.json()) as Partial<SearchResponse>; // a problem+json answer when not ok
    times.push(performance.now() - started);
    if (!res.ok) throw new Error(`search failed: ${res.status} ${JSON.stringify(json)}`);
    results += json.results?.length ?? 0;
  }
  times.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    n: SAMPLES,
    p50Ms: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    meanResults: results / SAMPLES,
  };
}

function loadFromSecondProcess(url: string, texts: string[]): Promise<Record<string, unknown>> {
  const script = join(fileURLToPath(new URL('.', import.meta.url)), 'load.ts');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, url, String(SECONDS), String(CONCURRENCY), JSON.stringify(texts)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as Record<string, unknown>)
        : reject(new Error(`load process exited ${code}`)),
    );
  });
}

const settings = settingsFromEnv();
const platform = await openPlatform(settings);
try {
  const { index } = await platform.api.service.resolveModel('tile').catch(() => {
    throw new Error(
      `no tile index in ${settings.dataDir}: run \`npm start\` first (it ingests the demo atlas), or set DATA_DIR`,
    );
  });
  const atlases = await platform.catalog.listAtlases();
  const texts = (await platform.catalog.listRegions())
    .map((r) => r.description)
    .filter((d) => d.length > 0)
    .slice(0, 24);
  if (texts.length === 0) texts.push('layered cortex with dense granular cells');
  const server = await serve(platform.api.app, { port: 0, host: '127.0.0.1' });
  await latency(server.url, texts, undefined, 0); // warm-up: sessions, caches, JIT
  // The server's default retrieval (hybrid: the dense and the lexical list, fused), then the dense list alone.
  const unfiltered = await latency(server.url, texts, undefined, 1);
  const filtered = await latency(server.url, texts, FILTER, 2);
  const dense = {
    unfiltered: await latency(server.url, texts, undefined, 3, 'dense'),
    filtered: await latency(server.url, texts, FILTER, 4, 'dense'),
  };
  const load = await loadFromSecondProcess(server.url, texts);
  await server.close();
  const report = {
    bench: 'query',
    atlases: atlases.map((a) => ({ name: a.name, tiles: a.tiles, sections: a.sections })),
    model: index.model,
    indexedItems: index.items,
    latency: { retrieval: 'server default (hybrid)', unfiltered, filtered: { ...filtered, filter: FILTER }, dense },
    load,
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await platform.close();
}
