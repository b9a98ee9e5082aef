// npm run bench:catalog [-- 100000 1000000] [--postgres-only]: tile insert throughput on PGlite and (when
// TEST_DATABASE_URL or DATABASE_URL points at a server) PostgreSQL, there with the unnest INSERT and with COPY side by
// side, in a throwaway database each (so neither writes into the other's index). Prints one JSON document.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DEFAULT_TILE_GRID, tileId } from '@cytoclip/domain';
import { openCatalog } from '../open.js';
import type { Catalog } from '../catalog.js';
import type { TileInput } from '../types.js';

const SECTION_TILES = 20_000;

function tilesFor(atlas: string, count: number): TileInput[] {
  return Array.from({ length: count }, (_, i) => {
    const section = `sec-${Math.floor(i / SECTION_TILES)}`;
    const x = (i % 200) * 224;
    const y = Math.floor((i % SECTION_TILES) / 200) * 224;
    const id = tileId(atlas, section, DEFAULT_TILE_GRID, x, y);
    return {
      id,
      atlas,
      section,
      x,
      y,
      size: 224,
      level0Size: 224,
      micronsPerPixel: 1,
      region: 'CP',
      regionFraction: 0.8,
      tissueFraction: 0.9,
    };
  });
}

async function prepare(catalog: Catalog, atlas: string, sections: number): Promise<void> {
  const manifest = { format: 'cytoclip-atlas/1' as const, name: atlas, ontology: 'o', specimens: [], sections: [] };
  await catalog.upsertAtlas({ name: atlas, manifest, root: '/bench' });
  await catalog.upsertSpecimens(atlas, [{ id: 'S', gestationalWeek: 20 }]);
  for (let s = 0; s < sections; s++) {
    await catalog.upsertSection({
      atlas,
      id: `sec-${s}`,
      specimen: 'S',
      plane: 'coronal',
      index: s,
      stain: 'nissl',
      micronsPerPixel: 1,
      width: 1,
      height: 1,
      levels: 1,
      imagePath: 'x',
    });
  }
}

async function measure(catalog: Catalog, count: number): Promise<Record<string, number>> {
  const atlas = `bench-${count}`;
  await prepare(catalog, atlas, Math.ceil(count / SECTION_TILES));
  const tiles = tilesFor(atlas, count);
  const started = performance.now();
  const inserted = await catalog.insertTiles(tiles);
  const seconds = (performance.now() - started) / 1000;
  const lookup = performance.now();
  await catalog.getTiles(tiles.slice(0, 100).map((t) => t.id));
  return {
    rows: inserted,
    seconds: round(seconds),
    rowsPerSecond: Math.round(inserted / seconds),
    getTiles100Ms: round(performance.now() - lookup),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

async function withPostgres(serverUrl: string, run: (url: string) => Promise<void>): Promise<void> {
  const name = `cytoclip_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  try {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    await run(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

/** One size on a fresh database, with COPY for batches of `copyMinRows` rows or more (Infinity: the unnest INSERT). */
async function onPostgres(
  server: string,
  dataDir: string,
  count: number,
  copyMinRows: number,
): Promise<Record<string, number>> {
  let result: Record<string, number> = {};
  await withPostgres(server, async (url) => {
    const catalog = await openCatalog({ databaseUrl: url, dataDir, copyMinRows });
    result = await measure(catalog, count);
    await catalog.close();
  });
  return result;
}

/**
 * Both PostgreSQL paths at one size, in the order unnest, COPY, COPY, unnest (each on a fresh database), so a load
 * that drifts during the run weighs on both alike; each figure is the mean of its two runs.
 */
async function comparePostgres(server: string, dataDir: string, count: number): Promise<Record<string, unknown>> {
  const runs: Record<'unnest' | 'copy', Record<string, number>[]> = { unnest: [], copy: [] };
  for (const mode of ['unnest', 'copy', 'copy', 'unnest'] as const)
    runs[mode].push(await onPostgres(server, dataDir, count, mode === 'copy' ? 1 : Infinity));
  const mean = (list: Record<string, number>[]) => {
    const seconds = round(list.reduce((sum, r) => sum + r.seconds!, 0) / list.length);
    return {
      rows: list[0]!.rows!,
      seconds,
      rowsPerSecond: Math.round(count / seconds),
      runsSeconds: list.map((r) => r.seconds!),
    };
  };
  const unnest = mean(runs.unnest);
  const copy = mean(runs.copy);
  return {
    [`postgres_unnest_${count}`]: unnest,
    [`postgres_copy_${count}`]: copy,
    [`postgres_copy_speedup_${count}`]: round(unnest.seconds / copy.seconds),
  };
}

async function main(): Promise<void> {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const counts = sizes.length > 0 ? sizes : [100_000, 1_000_000];
  const result: Record<string, unknown> = {
    benchmark: 'catalog tile insert: PGlite; PostgreSQL with INSERT … SELECT unnest (10k rows a statement) vs COPY',
    loadAverageAtStart: loadavg()[0],
    results: {},
  };
  const results = result.results as Record<string, unknown>;
  const dataDir = mkdtempSync(join(tmpdir(), 'cytoclip-bench-'));
  try {
    if (!process.argv.includes('--postgres-only')) {
      const embedded = await openCatalog({ dataDir });
      for (const n of counts) results[`pglite_${n}`] = await measure(embedded, n);
      await embedded.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const server = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (server) for (const n of counts) Object.assign(results, await comparePostgres(server, dataDir, n));
  else results.postgres = 'skipped: set TEST_DATABASE_URL';
  result.loadAverageAtEnd = loadavg()[0];
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
