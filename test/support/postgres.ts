import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** The PostgreSQL server URL for tests, or null (TEST_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test). */
export function testDatabaseUrl(): string | null {
  return process.env.TEST_DATABASE_URL ?? null;
}

/** Creates a fresh database on the TEST_DATABASE_URL server; `drop()` removes it. Each suite gets its own. */
export async function createTestDatabase(prefix = 'cytoclip_test'): Promise<TestDatabase> {
  const serverUrl = testDatabaseUrl();
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
