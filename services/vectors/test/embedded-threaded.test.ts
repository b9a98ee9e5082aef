import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CytoclipError } from '@cytoclip/domain';
import { vectorStoreContract } from '../src/testing/contract.js';
import { makePoints, randomUnit, rng } from '../src/testing/fixtures.js';
import { EmbeddedVectorStore } from '../src/embedded/store.js';
import { openStoreThread } from '../src/embedded/threaded.js';
import { openVectorStore, searchThreadsFromEnv } from '../src/open.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cytoclip-thread-'));
  dirs.push(dir);
  return dir;
}

// The whole contract through the store thread, on both search paths: same answers as in the main thread.
vectorStoreContract('embedded, in its own thread', async () => openStoreThread(tempDir()));
vectorStoreContract('embedded, in its own thread, IVF index', async () =>
  openStoreThread(tempDir(), { indexFrom: 1, exactUpTo: 0 }),
);

describe('embedded store thread', () => {
  it('answers exactly as the store in the main thread, and keeps its errors', async () => {
    const points = makePoints(32, 40);
    const [mainDir, threadDir] = [tempDir(), tempDir()];
    const main = await EmbeddedVectorStore.open(mainDir, { indexFrom: 50, exactUpTo: 0 });
    const thread = await openStoreThread(threadDir, { indexFrom: 50, exactUpTo: 0 });
    for (const store of [main, thread]) {
      await store.ensureCollection('tiles', { dim: 32 });
      await store.upsert('tiles', points);
    }
    const random = rng(3);
    for (let q = 0; q < 5; q++) {
      const query = randomUnit(random, 32);
      const options = { limit: 10, perSection: 4, filter: { regions: ['Pal'] } };
      expect(await thread.search('tiles', query, options)).toEqual(await main.search('tiles', query, options));
    }
    expect(await thread.stats('tiles')).toMatchObject({ points: 200, dead: 0 });
    expect((thread as unknown as Record<string, unknown>).then).toBeUndefined(); // awaitable as a value, not a thenable
    const error = await thread.search('tiles', new Float32Array(3), { limit: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CytoclipError);
    expect(error).toMatchObject({ status: 400, code: 'wrong_dimension' });
    await expect(thread.count('nope')).rejects.toMatchObject({ status: 404 });
    // The thread holds the store's lock like any open store.
    await expect(EmbeddedVectorStore.open(threadDir)).rejects.toThrow(/open in process/);
    await main.close();
    await thread.close();
    const reopened = await EmbeddedVectorStore.open(threadDir);
    expect(await reopened.count('tiles')).toBe(200);
    await reopened.close();
  });

  it('is what openVectorStore opens with searchThreads 1 (CYTOCLIP_SEARCH_THREADS), which takes 0 or 1 only', async () => {
    const dir = tempDir();
    const store = await openVectorStore({ dataDir: dir, searchThreads: 1 });
    await store.ensureCollection('tiles', { dim: 8 });
    await store.upsert('tiles', makePoints(8, 2));
    expect(await store.count('tiles')).toBe(10);
    await expect(EmbeddedVectorStore.open(dir)).rejects.toThrow(/open in process/); // held by the thread
    await store.close();
    expect([undefined, '', '0', '1'].map(searchThreadsFromEnv)).toEqual([0, 0, 0, 1]);
    expect(() => searchThreadsFromEnv('4')).toThrow(/CYTOCLIP_SEARCH_THREADS must be 0 or 1, not "4"/);
  });
});
