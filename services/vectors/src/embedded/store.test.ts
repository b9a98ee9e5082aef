import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { vectorStoreContract } from '../testing/contract.js';
import { EmbeddedVectorStore } from './store.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

vectorStoreContract('embedded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cytoclip-vectors-'));
  dirs.push(dir);
  return EmbeddedVectorStore.open(dir);
});
