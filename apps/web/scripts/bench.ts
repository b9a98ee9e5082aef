// npm run bench:web: the bundle size (gzip) and the time from pressing Enter to the first result painted, in Chromium.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { webDistDir } from '@cytoclip/web';
import { launchChromium } from '../test/support/browser.js';
import { startServer } from '../test/support/server.js';
import { armFirstPaintTimer, readFirstPaintMs } from '../test/support/tour.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const QUERIES = [
  'layered cortex with dense granular cells',
  'packed radial progenitors',
  'sparse large neurons',
  'ganglionic eminence',
];

function bundle() {
  const dir = webDistDir();
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const files = ['index.html', ...readdirSync(join(dir, 'assets')).map((f) => `assets/${f}`)];
  const sizes = files.map((f) => {
    const bytes = readFileSync(join(dir, f));
    // What the first page load fetches: index.html and the assets it names; the rest (OpenSeadragon) loads on demand.
    return {
      file: f,
      bytes: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      initial: f === 'index.html' || html.includes(f),
    };
  });
  const sum = (list: typeof sizes, key: 'bytes' | 'gzip') => list.reduce((s, x) => s + x[key], 0);
  const initial = sizes.filter((s) => s.initial);
  return {
    initialGzipBytes: sum(initial, 'gzip'),
    totalGzipBytes: sum(sizes, 'gzip'),
    totalBytes: sum(sizes, 'bytes'),
    files: sizes,
  };
}

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

// The demo atlas, generated and ingested once into DATA_DIR/bench-web (minutes), reused by later runs.
const dataDir = resolve(process.env.DATA_DIR ?? 'data', 'bench-web');
mkdirSync(dataDir, { recursive: true });
const server = await startServer({ preset: 'demo', dataDir }); // also builds dist/ when stale
const browser = await launchChromium();
try {
  const times: number[] = [];
  const apiMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('response', async (r) => r.url().endsWith('/v1/search') && apiMs.push(Number((await r.json()).tookMs)));
    await page.goto(`${server.url}/`);
    await page.waitForSelector('.region-tree');
    await armFirstPaintTimer(page);
    await page.fill('#query', QUERIES[i % QUERIES.length]!);
    await page.press('#query', 'Enter');
    const ms = await readFirstPaintMs(page);
    if (i > 0) times.push(ms); // the first run warms the server's caches
    await page.close();
  }
  const round = (x: number) => Math.round(x * 10) / 10;
  console.log(
    JSON.stringify(
      {
        bench: 'web',
        atlas: server.atlas,
        browser: 'chromium headless',
        bundle: bundle(),
        enterToFirstResultMs: {
          runs: times.length,
          p50: round(quantile(times, 0.5)),
          p90: round(quantile(times, 0.9)),
          min: round(Math.min(...times)),
        },
        searchApiTookMsP50: round(quantile(apiMs.slice(1), 0.5)),
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  await server.close();
}
