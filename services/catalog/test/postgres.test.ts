import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openCatalog, type Catalog } from '@cytoclip/catalog';
import { CytoclipError } from '@cytoclip/domain';
import {
  createTestDatabase,
  needs,
  REPO_ROOT,
  testDatabaseUrl,
  type TestDatabase,
} from '../../../test/support/index.js';
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

/** A copy of the migrations folder whose journal ends at `tag`: the schema an earlier release left. */
async function migrationsUpTo(tag: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cytoclip-migrations-'));
  await cp(join(REPO_ROOT, 'migrations'), dir, { recursive: true });
  const file = join(dir, 'meta/_journal.json');
  const journal = JSON.parse(await readFile(file, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(0, journal.entries.findIndex((e) => e.tag === tag) + 1);
  await writeFile(file, JSON.stringify(journal));
  return dir;
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

  it('upgrades a catalog written before section fingerprints: rows kept, fingerprints null, withdrawals work', async () => {
    const db = await createTestDatabase('cytoclip_catalog');
    databases.push(db);
    const old = await migrationsUpTo('0002_json_geometry_payload');
    vi.stubEnv('CYTOCLIP_MIGRATIONS_DIR', old);
    try {
      await (await openCatalog({ databaseUrl: db.url, dataDir: '/nonexistent' })).close();
    } finally {
      vi.unstubAllEnvs();
      await rm(old, { recursive: true, force: true });
    }
    // Rows as the previous release wrote them (its sections had no fingerprint column).
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`INSERT INTO atlases (name, manifest, root) VALUES ('up', $1, '/atlases/up')`, [
      JSON.stringify(manifest('up')),
    ]);
    await client.query(`INSERT INTO specimens (atlas, id, gestational_week) VALUES ('up', 'S01', 21)`);
    await client.query(
      `INSERT INTO sections (atlas, id, specimen, plane, index, stain, microns_per_pixel, width, height, levels, image_path)
       VALUES ('up', 'S01-cor-0', 'S01', 'coronal', 0, 'nissl', 1, 896, 672, 3, 'sections/up/S01-cor-0.tif')`,
    );
    await client.end();

    const catalog = await openCatalog({ databaseUrl: db.url, dataDir: '/nonexistent' });
    expect(await catalog.getSection('S01-cor-0', 'up')).toMatchObject({ width: 896, fingerprint: null });
    expect(await catalog.adoptFingerprints('up', new Map([['S01-cor-0', 'f1']]))).toBe(1);
    expect(await catalog.withdrawSections('up', ['S01-cor-0'])).toEqual(['sections/up/S01-cor-0.tif']);
    expect((await catalog.readWithdrawals()).map((w) => w.section)).toEqual(['S01-cor-0']);
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
