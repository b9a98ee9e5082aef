import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { vectorStoreContract } from '../src/testing/contract.js';
import { EmbeddedVectorStore } from '../src/embedded/store.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cytoclip-vectors-'));
  dirs.push(dir);
  return dir;
}

vectorStoreContract('embedded', async () => EmbeddedVectorStore.open(tempDir()));
// The same contract through the IVF index (built from the first point), so both search paths answer alike.
vectorStoreContract('embedded, IVF index', async () =>
  EmbeddedVectorStore.open(tempDir(), { indexFrom: 1, exactUpTo: 0 }),
);
// And with the index built but every search exact: each filter's rows are gathered as runs out of many IVF lists.
vectorStoreContract('embedded, exact scans over IVF lists', async () =>
  EmbeddedVectorStore.open(tempDir(), { indexFrom: 1 }),
);
