import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDataset, generateAtlas } from '@cytoclip/atlas';
import { openCatalog } from '@cytoclip/catalog';
import { parseModelManifest } from '@cytoclip/domain';
import { ingestAtlas } from '@cytoclip/ingest';
import { CytoclipModel } from '@cytoclip/model';
import { catalogPort, createApp, vectorsPort } from '@cytoclip/query';
import { openVectorStore } from '@cytoclip/vectors';
import { REPO_ROOT, tinyAtlas } from '../../../test/support/index.js';

/** The packages bundled in models/ (what `npm start` serves). */
export function bundledModelDirs(): string[] {
  const root = join(REPO_ROOT, 'models');
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => existsSync(join(d, 'model.json')));
}

/** Why the bundled models cannot back the calibrated tests, or null when every one carries a calibration. */
export function uncalibratedReason(): string | null {
  const missing = bundledModelDirs().filter(
    (d) => !parseModelManifest(JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'))).calibration,
  );
  return missing.length ? `${missing.join(', ')} carry no calibration in model.json` : null;
}

/**
 * The real platform with the bundled models: the tiny atlas (shared test copy, seed 7) ingested by services/ingest
 * into PGlite and the embedded vector store under a temp DATA_DIR, served in process by services/query.
 */
export async function bundledStack() {
  const dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-query-bundled-'));
  const atlas = await tinyAtlas();
  const catalog = await openCatalog({ dataDir });
  const vectors = await openVectorStore({ dataDir });
  const models = await Promise.all(
    bundledModelDirs().map((dir) => CytoclipModel.open(dir, { intraOpNumThreads: 1, imageWorkers: 1 })),
  );
  await ingestAtlas({ atlas, catalog, models, vectors, dataDir, atlasRoots: [join(atlas, '..')] });
  const { app } = createApp({
    catalog: catalogPort(catalog, vectors, dataDir),
    vectors: vectorsPort(vectors),
    models,
    config: { dataDir, atlasRoots: [] },
  });
  const byVariant = (variant: string) => models.find((m) => m.info.variant === variant)!;
  return {
    app,
    tileModel: byVariant('tile'),
    regionModel: byVariant('region'),
    async close() {
      await Promise.all(models.map((m) => m.close()));
      await vectors.close();
      await catalog.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Held-out demo tiles: the tiny preset generated with another seed (3, never indexed), cut by the dataset builder at
 * the tile model's grid (112 px at 2 µm/px), as PNG bytes with their region.
 */
export async function heldOutTiles(): Promise<{ tiles: { region: string; png: Buffer }[]; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cytoclip-query-heldout-'));
  await generateAtlas({ preset: 'tiny', seed: 3, out: join(dir, 'atlas') });
  await buildDataset({
    atlasDir: join(dir, 'atlas'),
    variant: 'tile',
    out: join(dir, 'tiles'),
    grid: { micronsPerPixel: 2, size: 112 },
    size: 112,
    cacheDir: join(dir, 'cache'),
  });
  const lines = (await readFile(join(dir, 'tiles', 'items.jsonl'), 'utf8')).trim().split('\n');
  const items = lines.map((l) => JSON.parse(l) as { image: string; region: string });
  const tiles = await Promise.all(
    items.map(async (item) => ({ region: item.region, png: await readFile(join(dir, 'tiles', item.image)) })),
  );
  return { tiles, close: () => rm(dir, { recursive: true, force: true }) };
}
