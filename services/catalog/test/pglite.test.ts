import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '@cytoclip/catalog';
import { catalogContract } from './contract.js';
import { manifest } from './fixtures.js';

const dirs: string[] = [];
function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cytoclip-catalog-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

catalogContract('PGlite', () => openCatalog({ dataDir: tempDataDir() }));

describe('embedded catalog', () => {
  it('lives under DATA_DIR/catalog and keeps its rows across a reopen (migrations run once)', async () => {
    const dataDir = tempDataDir();
    const first = await openCatalog({ dataDir });
    expect(first.dialect).toBe('pglite');
    await first.upsertAtlas({ name: 'kept', manifest: manifest('kept'), root: '/a' });
    await first.close();
    const second = await openCatalog({ dataDir });
    expect((await second.listAtlases()).map((a) => a.name)).toEqual(['kept']);
    await second.close();
  });

  it('keeps a second live process out of the same folder, and takes over from a dead one', async () => {
    const dataDir = tempDataDir();
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(join(dataDir, 'catalog.pid'), String(sleeper.pid));
      await expect(openCatalog({ dataDir })).rejects.toMatchObject({
        code: 'catalog_locked',
        message: expect.stringContaining(String(sleeper.pid)),
      });
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
    }
    const catalog = await openCatalog({ dataDir });
    expect(await catalog.listAtlases()).toEqual([]);
    await catalog.close();
  });
});
