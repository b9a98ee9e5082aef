// A worker process for the crash and multi-worker tests: `node --conditions=source --import tsx worker.ts <atlas>
// <dataDir> [databaseUrl|-] [--no-index]`. Prints each progress event and the final report as JSON lines. LEASE_MS sets
// the lease (default 5 s); GRID=µm/px:size, BAND_TILES and IN_PLACE_MIN_BYTES override the ingest's defaults.
import { openCatalog } from '@cytoclip/catalog';
import { ingestAtlas } from '@cytoclip/ingest';
import { openVectorStore } from '@cytoclip/vectors';
import { openModels, TEST_GRID } from './helpers.js';

const [atlas, dataDir, databaseUrl, flag] = process.argv.slice(2);
const catalog = await openCatalog({
  dataDir: dataDir!,
  databaseUrl: databaseUrl && databaseUrl !== '-' ? databaseUrl : undefined,
});
const vectors = flag === '--no-index' ? undefined : await openVectorStore({ dataDir: dataDir! });
const models = await openModels();
const report = await ingestAtlas({
  atlas: atlas!,
  catalog,
  vectors,
  models,
  dataDir: dataDir!,
  tileGrid: process.env.GRID ? grid(process.env.GRID) : TEST_GRID,
  leaseMs: Number(process.env.LEASE_MS ?? 5_000),
  ...(process.env.BAND_TILES ? { bandTiles: Number(process.env.BAND_TILES) } : {}),
  ...(process.env.IN_PLACE_MIN_BYTES ? { inPlaceMinBytes: Number(process.env.IN_PLACE_MIN_BYTES) } : {}),
  onProgress: (event) => process.stdout.write(`${JSON.stringify({ event })}\n`),
});
process.stdout.write(`${JSON.stringify({ report })}\n`);
await Promise.all(models.map((m) => m.close()));
await vectors?.close();
await catalog.close();

function grid(text: string) {
  const [micronsPerPixel, size] = text.split(':').map(Number);
  return { micronsPerPixel: micronsPerPixel!, size: size! };
}
