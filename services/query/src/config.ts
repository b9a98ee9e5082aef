import { resolve } from 'node:path';
import { atlasRootsFromEnv } from '@cytoclip/domain';

export interface QueryConfig {
  /** The admin key (CYTOCLIP_API_KEY): every route, DELETE /v1/atlases and /metrics included. Unset: admin routes 401. */
  apiKey: string | null;
  /** The ingest key: POST and GET /v1/ingest, and every read route. */
  ingestKey: string | null;
  /** When set, every /v1 read route needs this key (or the ingest or admin key); unset, reads are open. */
  readKey: string | null;
  dataDir: string;
  /** Folders POST /v1/ingest may read atlases from. */
  atlasRoots: string[];
  /** Built web app served at `/`, or null. */
  staticDir: string | null;
  maxBodyBytes: number;
  maxImagePixels: number;
  /** Longest side of a tile or region image the API renders (`?size=` may ask for less). */
  maxImageSide: number;
  maxLimit: number;
  /** offset + limit is capped here (formats.md §4). */
  maxWindow: number;
  /** Cap on items scored by heatmap / trajectory. */
  maxScoreAll: number;
}

export const DEFAULT_CONFIG: Omit<QueryConfig, 'dataDir' | 'atlasRoots'> = {
  apiKey: null,
  ingestKey: null,
  readKey: null,
  staticDir: null,
  maxBodyBytes: 16 * 1024 * 1024,
  maxImagePixels: 4096 * 4096,
  maxImageSide: 2048,
  maxLimit: 200,
  maxWindow: 10_000,
  maxScoreAll: 500_000,
};

/**
 * Reads DATA_DIR, the keys (CYTOCLIP_API_KEY, CYTOCLIP_INGEST_KEY, CYTOCLIP_READ_KEY) and CYTOCLIP_ATLAS_ROOTS
 * (path-delimited) from the environment.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<QueryConfig> = {}): QueryConfig {
  const dataDir = resolve(env.DATA_DIR ?? './data');
  return {
    ...DEFAULT_CONFIG,
    apiKey: env.CYTOCLIP_API_KEY || null,
    ingestKey: env.CYTOCLIP_INGEST_KEY || null,
    readKey: env.CYTOCLIP_READ_KEY || null,
    dataDir,
    atlasRoots: atlasRootsFromEnv(env, dataDir),
    ...overrides,
  };
}
