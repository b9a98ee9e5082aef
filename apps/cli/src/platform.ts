import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCatalog, type Catalog } from '@cytoclip/catalog';
import { CytoclipError } from '@cytoclip/domain';
import { CytoclipModel, type Device, type Precision } from '@cytoclip/model';
import {
  catalogPort,
  configFromEnv,
  createApp,
  vectorsPort,
  type CytoclipApp,
  type QueryConfig,
  type QueryIngest,
} from '@cytoclip/query';
import { openVectorStore, type VectorStore } from '@cytoclip/vectors';
import { buildWebIfStale } from '@cytoclip/web';
import { staleDataWarning } from './data-format.js';

/** The repository root (where models/ and apps/web/dist live), found from this file in src/ or dist/src/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'apps', 'cli', 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export interface Settings {
  dataDir: string;
  databaseUrl: string | undefined;
  qdrantUrl: string | undefined;
  qdrantApiKey: string | undefined;
  modelDirs: string[];
  device: Device;
  /** Intra-op threads per model session, each image worker's included (CYTOCLIP_THREADS); undefined: 1. */
  threads: number | undefined;
  /** Worker threads running the image graph (CYTOCLIP_IMAGE_WORKERS; 0: the main thread); undefined: one per core. */
  imageWorkers: number | undefined;
  /** The image graph (CYTOCLIP_IMAGE_PRECISION: fp32, the default, or int8 — every package must then carry one). */
  precision: Precision;
  port: number;
  host: string;
}

/**
 * PORT, HOST, DATA_DIR, DATABASE_URL, QDRANT_URL, QDRANT_API_KEY, CYTOCLIP_MODELS, CYTOCLIP_DEVICE, CYTOCLIP_THREADS,
 * CYTOCLIP_IMAGE_WORKERS, CYTOCLIP_IMAGE_PRECISION.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const device = env.CYTOCLIP_DEVICE ?? 'cpu';
  if (device !== 'cpu' && device !== 'cuda')
    throw new CytoclipError('invalid_argument', `CYTOCLIP_DEVICE must be cpu or cuda, got "${device}"`);
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CytoclipError('invalid_argument', `PORT must be a port number, got "${env.PORT}"`);
  const threads = env.CYTOCLIP_THREADS ? Number(env.CYTOCLIP_THREADS) : undefined;
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0))
    throw new CytoclipError(
      'invalid_argument',
      `CYTOCLIP_THREADS must be a positive integer, got "${env.CYTOCLIP_THREADS}"`,
    );
  const imageWorkers = env.CYTOCLIP_IMAGE_WORKERS ? Number(env.CYTOCLIP_IMAGE_WORKERS) : undefined;
  if (imageWorkers !== undefined && !(Number.isInteger(imageWorkers) && imageWorkers >= 0))
    throw new CytoclipError(
      'invalid_argument',
      `CYTOCLIP_IMAGE_WORKERS must be a whole number (0: no workers), got "${env.CYTOCLIP_IMAGE_WORKERS}"`,
    );
  const precision = env.CYTOCLIP_IMAGE_PRECISION || 'fp32';
  if (precision !== 'fp32' && precision !== 'int8')
    throw new CytoclipError(
      'invalid_argument',
      `CYTOCLIP_IMAGE_PRECISION must be fp32 or int8, got "${env.CYTOCLIP_IMAGE_PRECISION}"`,
    );
  const modelRoots = env.CYTOCLIP_MODELS
    ? env.CYTOCLIP_MODELS.split(delimiter).filter(Boolean)
    : [join(repoRoot(), 'models')];
  return {
    dataDir: resolve(env.DATA_DIR ?? './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    qdrantUrl: env.QDRANT_URL || undefined,
    qdrantApiKey: env.QDRANT_API_KEY || undefined,
    modelDirs: findModelPackages(modelRoots),
    device,
    threads,
    imageWorkers,
    precision,
    port,
    host: env.HOST ?? '127.0.0.1',
  };
}

/** Each root is a model package (has model.json) or a folder of packages. */
export function findModelPackages(roots: string[]): string[] {
  const found: string[] = [];
  for (const root of roots.map((r) => resolve(r))) {
    if (existsSync(join(root, 'model.json'))) found.push(root);
    else if (existsSync(root)) {
      for (const entry of readdirSync(root).sort())
        if (existsSync(join(root, entry, 'model.json'))) found.push(join(root, entry));
    }
  }
  return found;
}

export interface Stores {
  catalog: Catalog;
  vectors: VectorStore;
  close(): Promise<void>;
}

export async function openStores(settings: Settings): Promise<Stores> {
  const catalog = await openCatalog({ dataDir: settings.dataDir, databaseUrl: settings.databaseUrl });
  let vectors: VectorStore;
  try {
    vectors = await openVectorStore({
      dataDir: settings.dataDir,
      ...(settings.qdrantUrl ? { qdrantUrl: settings.qdrantUrl, qdrantApiKey: settings.qdrantApiKey } : {}),
    });
  } catch (error) {
    await catalog.close();
    throw error;
  }
  return {
    catalog,
    vectors,
    async close() {
      await vectors.close();
      await catalog.close();
    },
  };
}

/**
 * Every command runs the image graph in a worker thread per core, each session with one intra-op thread: on a small
 * machine two single-threaded sessions embed at least as much as one with two (bench:embed), and the event loop stays
 * free for cutting tiles, commits and API requests meanwhile. Workers start at the first image, so text-only
 * commands never spawn them. CYTOCLIP_IMAGE_WORKERS and CYTOCLIP_THREADS override.
 */
export async function openModels(settings: Settings): Promise<CytoclipModel[]> {
  const options = {
    device: settings.device,
    intraOpNumThreads: settings.threads ?? 1,
    imageWorkers: settings.imageWorkers ?? availableParallelism(),
    precision: settings.precision,
  };
  return Promise.all(settings.modelDirs.map((dir) => CytoclipModel.open(dir, options)));
}

export interface Platform extends Stores {
  models: CytoclipModel[];
  api: CytoclipApp;
  /** Set when stored vectors predate the current data format (searches answer dense-only until `cytoclip reindex`). */
  staleData: string | null;
}

/** Stores, models and the API app wired together, as `serve`, `start` and in-process `search` use them. */
export async function openPlatform(
  settings: Settings,
  options: {
    config?: Partial<QueryConfig>;
    ingest?: (platform: () => Platform) => QueryIngest;
    isReady?: () => boolean;
    /** Serve the web app at `/`, building it first when its sources are newer than its build. */
    web?: boolean;
  } = {},
): Promise<Platform> {
  // Before the stores open: a Vite build briefly removes dist/index.html, and a failed build should cost nothing.
  const webDist = options.web ? buildWebIfStale({ quiet: true }).dir : null;
  const stores = await openStores(settings);
  let models: CytoclipModel[];
  let staleData: string | null;
  try {
    // Data written before a format change is served as it is (dense-only where lexical vectors are missing) and named.
    staleData = await staleDataWarning(stores);
    models = await openModels(settings);
  } catch (error) {
    await stores.close();
    throw error;
  }
  const staticDir = webDist && existsSync(join(webDist, 'index.html')) ? webDist : null;
  // The settings' DATA_DIR (which may come from an option, not the environment) also places the default atlas root.
  const config = configFromEnv({ ...process.env, DATA_DIR: settings.dataDir }, { staticDir, ...options.config });
  let platform: Platform | null = null;
  const api = createApp({
    catalog: catalogPort(stores.catalog, stores.vectors, settings.dataDir),
    vectors: vectorsPort(stores.vectors),
    models,
    config,
    ingest: options.ingest ? options.ingest(() => platform!) : null,
    ...(options.isReady ? { isReady: options.isReady } : {}),
  });
  if (staleData) api.logger.warn(staleData);
  platform = {
    ...stores,
    models,
    api,
    staleData,
    async close() {
      await Promise.all(models.map((m) => m.close()));
      await stores.close();
    },
  };
  return platform;
}
