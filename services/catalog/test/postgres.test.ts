import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '@cytoclip/catalog';
import { CytoclipError } from '@cytoclip/domain';
import { createTestDatabase, needs, testDatabaseUrl, type TestDatabase } from '../../../test/support/index.js';
import { catalogContract } from './contract.js';

const available = needs('PostgreSQL', testDatabaseUrl() ? null : 'TEST_DATABASE_URL not set');
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

async function openFresh(): Promise<Catalog> {
  const db = await createTestDatabase('cytoclip_catalog');
  databases.push(db);
  return openCatalog({ databaseUrl: db.url, dataDir: '/nonexistent' });
}

catalogContract('PostgreSQL', openFresh, !available);

describe.skipIf(!available)('PostgreSQL catalog', () => {
  it('migrates once when several workers open a fresh database together', async () => {
    const db = await createTestDatabase('cytoclip_catalog');
    databases.push(db);
    const opened = await Promise.all([1, 2, 3].map(() => openCatalog({ databaseUrl: db.url, dataDir: '/nonexistent' })));
    expect(opened.every((c) => c.dialect === 'postgres')).toBe(true);
    expect(await opened[0]!.listAtlases()).toEqual([]);
    await Promise.all(opened.map((c) => c.close()));
  });
});

describe('dead DATABASE_URL', () => {
  it('answers a refused connection with a clear CytoclipError within seconds', async () => {
    const started = Date.now();
    const error = await openCatalog({ databaseUrl: 'postgres://postgres:secret@127.0.0.1:1/none', dataDir: '/nonexistent' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CytoclipError);
    expect(error).toMatchObject({ code: 'catalog_unavailable', status: 503 });
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect((error as Error).message).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up on a server that never answers after the connect timeout', async () => {
    // 192.0.2.0/24 (TEST-NET-1) is never routed: the SYN goes unanswered, as with a firewalled host.
    const error = await openCatalog({ databaseUrl: 'postgres://postgres@192.0.2.1:5432/x', dataDir: '/x', connectTimeoutMs: 500 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'catalog_unavailable' });
  });
});
