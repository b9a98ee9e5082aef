// npm run bench:catalog [-- 100000 1000000]: tile insert throughput on PGlite and (when TEST_DATABASE_URL or
// DATABASE_URL points at a server) PostgreSQL, in a throwaway database each. Prints one JSON document.
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
    return { id, atlas, section, x, y, size: 224, level0Size: 224, micronsPerPixel: 1, region: 'CP', regionFraction: 0.8, tissueFraction: 0.9 };
  });
}

async function prepare(catalog: Catalog, atlas: string, sections: number): Promise<void> {
  const manifest = { format: 'cytoclip-atlas/1' as const, name: atlas, ontology: 'o', specimens: [], sections: [] };
  await catalog.upsertAtlas({ name: atlas, manifest, root: '/bench' });
  await catalog.upsertSpecimens(atlas, [{ id: 'S', gestationalWeek: 20 }]);
  for (let s = 0; s < sections; s++) {
    await catalog.upsertSection({ atlas, id: `sec-${s}`, specimen: 'S', plane: 'coronal', index: s, stain: 'nissl', micronsPerPixel: 1, width: 1, height: 1, levels: 1, imagePath: 'x' });
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
  return { rows: inserted, seconds: round(seconds), rowsPerSecond: Math.round(inserted / seconds), getTiles100Ms: round(performance.now() - lookup) };
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

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const counts = sizes.length > 0 ? sizes : [100_000, 1_000_000];
  const result: Record<string, unknown> = {
    benchmark: 'catalog tile insert (INSERT … SELECT unnest, 10k rows a statement)',
    loadAverageAtStart: loadavg()[0],
    results: {},
  };
  const results = result.results as Record<string, unknown>;
  const dataDir = mkdtempSync(join(tmpdir(), 'cytoclip-bench-'));
  try {
    const embedded = await openCatalog({ dataDir });
    for (const n of counts) results[`pglite_${n}`] = await measure(embedded, n);
    await embedded.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const server = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (server) {
    await withPostgres(server, async (url) => {
      const catalog = await openCatalog({ databaseUrl: url, dataDir });
      for (const n of counts) results[`postgres_${n}`] = await measure(catalog, n);
      await catalog.close();
    });
  } else results.postgres = 'skipped: set TEST_DATABASE_URL';
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
