import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { CytoclipError } from '@cytoclip/domain';
import type { Catalog } from './catalog.js';
import { copierFor, type CopySession } from './copy.js';
import { SqlCatalog } from './sql-catalog.js';
import type { Db } from './db.js';
import { lockCatalogDir } from './lock.js';
import { migrationsFolder } from './migrations.js';
import { withShortQueryErrors } from './query-errors.js';
import * as schema from './schema.js';

export interface OpenCatalogOptions {
  /** postgres://… to use PostgreSQL; absent: the embedded PGlite under `${dataDir}/catalog`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** How long to wait for a PostgreSQL connection before a clear error (default 5000 ms). */
  connectTimeoutMs?: number;
  /** PostgreSQL pool size (default 4). */
  poolSize?: number;
  /** PostgreSQL: tile batches of at least this many rows are written with COPY (default 5,000; Infinity: never). */
  copyMinRows?: number;
}

/** Smaller batches keep the unnest INSERT: COPY's savepoint, extra round trips and own pooled client buy nothing there. */
export const COPY_MIN_ROWS = 5_000;

/** Opens the catalog and applies any pending migration. */
export async function openCatalog(options: OpenCatalogOptions): Promise<Catalog> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options.dataDir);
}

async function openPglite(dataDir: string): Promise<Catalog> {
  const dir = join(resolve(dataDir), 'catalog');
  mkdirSync(dir, { recursive: true });
  const unlock = lockCatalogDir(dir);
  let client: PGlite;
  try {
    client = await PGlite.create(dir);
  } catch (cause) {
    unlock();
    throw new CytoclipError('catalog_unavailable', `cannot open the embedded catalog at ${dir}: ${String(cause)}`, {
      status: 503,
      cause,
    });
  }
  const db = drizzlePglite({ client, schema });
  await migratePglite(db, { migrationsFolder: migrationsFolder() });
  return withShortQueryErrors(
    new SqlCatalog(db as unknown as Db, 'pglite', async () => {
      await client.close();
      unlock();
    }),
  );
}

async function openPostgres(url: string, options: OpenCatalogOptions): Promise<Catalog> {
  const connectionTimeoutMillis = options.connectTimeoutMs ?? 5000;
  await migrateWithLock(url, connectionTimeoutMillis);
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis, max: options.poolSize ?? 4 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const db = drizzlePg({ client: pool, schema });
  const session: CopySession = async (work) => {
    const client = await pool.connect();
    try {
      return await work(drizzlePg({ client, schema }) as unknown as Db, copierFor(client));
    } finally {
      client.release();
    }
  };
  const copy = { session, minRows: options.copyMinRows ?? COPY_MIN_ROWS };
  return withShortQueryErrors(new SqlCatalog(db as unknown as Db, 'postgres', () => pool.end(), copy));
}

/** Several workers may start together: an advisory lock lets exactly one of them migrate. */
async function migrateWithLock(url: string, connectionTimeoutMillis: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (cause) {
    await client.end().catch(() => undefined);
    throw new CytoclipError(
      'catalog_unavailable',
      `cannot connect to the catalog database at ${redact(url)}: ${describe(cause)}`,
      {
        status: 503,
        cause,
      },
    );
  }
  try {
    await client.query('SELECT pg_advisory_lock(7240418)');
    await migratePg(drizzlePg({ client, schema }), { migrationsFolder: migrationsFolder() });
  } finally {
    await client.query('SELECT pg_advisory_unlock(7240418)').catch(() => undefined);
    await client.end();
  }
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return [e.code, e.message].filter(Boolean).join(' ') || String(error);
}

/** Never print a password from DATABASE_URL. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
