import { resolve } from 'node:path';
import { atlasRootsFromEnv, CytoclipError } from '@cytoclip/domain';

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
  /** Costly requests (image search, classify, heatmap, trajectory, ingest) a client IP may make a minute; 0: no limit. */
  rateLimit: number;
  /** Behind a reverse proxy: the client IP is the last X-Forwarded-For entry (the one the proxy added). */
  trustProxy: boolean;
  /** A second port that serves only /metrics, without a key; null: /metrics on the API port, behind the admin key. */
  metricsPort: number | null;
  /** Where the metrics port listens; null: the API's host. */
  metricsHost: string | null;
  /** pino level of the JSON logs on stdout (an app built in a program or test logs nothing unless asked). */
  logLevel: string;
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
  rateLimit: 0,
  trustProxy: false,
  metricsPort: null,
  metricsHost: null,
  logLevel: 'silent',
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads DATA_DIR, the keys (CYTOCLIP_API_KEY, CYTOCLIP_INGEST_KEY, CYTOCLIP_READ_KEY), CYTOCLIP_ATLAS_ROOTS,
 * CYTOCLIP_RATE_LIMIT, CYTOCLIP_TRUST_PROXY, CYTOCLIP_METRICS_PORT / _HOST and CYTOCLIP_LOG_LEVEL (default info) from
 * the environment; a malformed value is refused naming the variable rather than silently ignored.
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
    rateLimit: integerVar(env, 'CYTOCLIP_RATE_LIMIT', 0, 1_000_000) ?? 0,
    trustProxy: booleanVar(env, 'CYTOCLIP_TRUST_PROXY'),
    metricsPort: integerVar(env, 'CYTOCLIP_METRICS_PORT', 1, 65_535),
    metricsHost: env.CYTOCLIP_METRICS_HOST || null,
    logLevel: logLevelVar(env),
    ...overrides,
  };
}

function invalid(name: string, message: string): CytoclipError {
  return new CytoclipError('invalid_config', `${name} ${message}`, { detail: { field: name, message } });
}

function integerVar(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | null {
  const text = env[name]?.trim();
  if (!text) return null;
  const value = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw invalid(name, `is an integer from ${min} to ${max}, got "${text}"`);
  return value;
}

function booleanVar(env: NodeJS.ProcessEnv, name: string): boolean {
  const text = env[name]?.trim().toLowerCase();
  if (!text || text === '0' || text === 'false') return false;
  if (text === '1' || text === 'true') return true;
  throw invalid(name, `is true or false, got "${text}"`);
}

function logLevelVar(env: NodeJS.ProcessEnv): string {
  const level = env.CYTOCLIP_LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!LOG_LEVELS.includes(level)) throw invalid('CYTOCLIP_LOG_LEVEL', `is one of ${LOG_LEVELS.join(', ')}`);
  return level;
}
