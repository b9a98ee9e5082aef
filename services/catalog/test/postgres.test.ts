import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '@cytoclip/catalog';
import { CytoclipError } from '@cytoclip/domain';
import { createTestDatabase, needs, testDatabaseUrl, type TestDatabase } from '../../../test/support/index.js';
import { catalogContract } from './contract.js';
import { manifest, section, tilesOf } from './fixtures.js';

const available = needs('PostgreSQL', testDatabaseUrl() ? null : 'TEST_DATABASE_URL not set');
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

async function openFresh(options: { copyMinRows?: number } = {}): Promise<Catalog> {
  const db = await createTestDatabase('cytoclip_catalog');
  databases.push(db);
  return openCatalog({ databaseUrl: db.url, dataDir: '/nonexistent', ...options });
}

catalogContract('PostgreSQL', openFresh, !available);
// Every tile batch, even one of two rows inside a section's commit, through COPY instead of the unnest INSERT.
catalogContract('PostgreSQL, COPY for every tile batch', () => openFresh({ copyMinRows: 1 }), !available);

describe.skipIf(!available)('PostgreSQL catalog', () => {
  it('copies a large batch in several statements and, when part of it exists, inserts exactly the rest', async () => {
    const catalog = await openFresh();
    await catalog.upsertAtlas({ name: 'big', manifest: manifest('big'), root: '/atlases/big' });
    await catalog.upsertSpecimens('big', manifest('big').specimens);
    await catalog.upsertSection(section('big', 'S01-cor-0'));
    const tiles = tilesOf('big', 'S01-cor-0', 60_000);
    // The second 50k-row COPY meets existing rows after the first succeeded: the whole attempt is undone first.
    expect(await catalog.insertTiles(tiles.slice(55_000, 56_000))).toBe(1_000);
    expect(await catalog.insertTiles(tiles)).toBe(59_000);
    expect(await catalog.countTiles({ atlas: 'big' })).toBe(60_000);
    expect(await catalog.insertTiles(tiles)).toBe(0);
    await catalog.close();
  });

  it('migrates once when several workers open a fresh database together', async () => {
    const db = await createTestDatabase('cytoclip_catalog');
    databases.push(db);
    const opened = await Promise.all(
      [1, 2, 3].map(() => openCatalog({ databaseUrl: db.url, dataDir: '/nonexistent' })),
    );
    expect(opened.every((c) => c.dialect === 'postgres')).toBe(true);
    expect(await opened[0]!.listAtlases()).toEqual([]);
    await Promise.all(opened.map((c) => c.close()));
  });
});

describe('dead DATABASE_URL', () => {
  it('answers a refused connection with a clear CytoclipError within seconds', async () => {
    const started = Date.now();
    const error = await openCatalog({
      databaseUrl: 'postgres://postgres:secret@127.0.0.1:1/none',
      dataDir: '/nonexistent',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CytoclipError);
    expect(error).toMatchObject({ code: 'catalog_unavailable', status: 503 });
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect((error as Error).message).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up on a server that never answers after the connect timeout', async () => {
    // 192.0.2.0/24 (TEST-NET-1) is never routed: the SYN goes unanswered, as with a firewalled host.
    const error = await openCatalog({
      databaseUrl: 'postgres://postgres@192.0.2.1:5432/x',
      dataDir: '/x',
      connectTimeoutMs: 500,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'catalog_unavailable' });
  });
});
