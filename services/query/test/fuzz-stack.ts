import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog } from '@cytoclip/catalog';
import { uuidV5 } from '@cytoclip/domain';
import { ingestAtlas } from '@cytoclip/ingest';
import { CytoclipModel } from '@cytoclip/model';
import {
  catalogPort,
  createApp,
  vectorsPort,
  type IngestJob,
  type QueryConfig,
  type QueryIngest,
} from '@cytoclip/query';
import { openVectorStore } from '@cytoclip/vectors';
import { tinyAtlas } from '../../../test/support/index.js';
import { FIXTURE_MODEL } from './real-backend.js';

export const API_KEY = 'fuzz-key';
/** The atlas's folder name under the atlas root (what POST /v1/ingest names). */
export const ATLAS_FOLDER = 'tiny';

/** The fixture model as a region model too: same graphs, its own name and variant. */
async function regionModelDir(base: string): Promise<string> {
  const dir = join(base, 'region-model');
  await cp(FIXTURE_MODEL, dir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  Object.assign(manifest, { name: 'cytoclip-tiny-random-region', variant: 'region' });
  Object.assign(manifest.image, { crop: 'none', micronsPerPixel: null });
  await writeFile(join(dir, 'model.json'), JSON.stringify(manifest));
  return dir;
}

/**
 * The real stack with the tiny atlas really ingested (tiles, region images, annotations, both models): PGlite catalog,
 * embedded vector store, the fixture ONNX model with image workers, and an ingest service that runs ingestAtlas in
 * the request (re-ingesting the finished atlas is a no-op).
 */
export async function ingestedStack() {
  const base = await mkdtemp(join(tmpdir(), 'cytoclip-fuzz-'));
  const dataDir = join(base, 'data');
  const roots = join(base, 'atlases');
  await mkdir(roots, { recursive: true });
  await cp(await tinyAtlas(), join(roots, ATLAS_FOLDER), { recursive: true });
  const catalog = await openCatalog({ dataDir });
  const store = await openVectorStore({ dataDir });
  const open = (dir: string) => CytoclipModel.open(dir, { intraOpNumThreads: 1, imageWorkers: 1 });
  const models = [await open(FIXTURE_MODEL), await open(await regionModelDir(base))];
  const tileGrid = { micronsPerPixel: 2, size: 64 };
  const ingestOptions = { catalog, vectors: store, models, dataDir, tileGrid, atlasRoots: [roots] };
  await ingestAtlas({ ...ingestOptions, atlas: join(roots, ATLAS_FOLDER) });

  const jobs = new Map<string, IngestJob>();
  const ingest: QueryIngest = {
    async start(atlasPath) {
      const report = await ingestAtlas({ ...ingestOptions, atlas: atlasPath });
      const id = uuidV5(`fuzz-job-${jobs.size}`);
      const { done, total } = report.progress.jobs;
      const state = report.status === 'complete' ? 'done' : 'failed';
      jobs.set(id, { id, atlas: report.atlas, state, progress: { done, total }, runId: report.runId });
      return jobs.get(id)!;
    },
    async get(id) {
      return jobs.get(id) ?? null;
    },
  };
  // Another app over the same stores and models, e.g. with a rate limit or other keys.
  const appWith = (config: Partial<QueryConfig> = {}) =>
    createApp({
      catalog: catalogPort(catalog, store, dataDir),
      vectors: vectorsPort(store),
      models,
      ingest,
      config: { dataDir, atlasRoots: [roots], apiKey: API_KEY, maxImagePixels: 256 * 256, ...config },
    }).app;
  const app = appWith();
  const close = async () => {
    await Promise.all(models.map((m) => m.close()));
    await store.close();
    await catalog.close();
    await rm(base, { recursive: true, force: true });
  };
  return { app, appWith, catalog, close };
}
