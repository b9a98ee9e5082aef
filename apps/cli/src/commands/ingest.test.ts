import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../../../test/support/index.js';
import { main } from '../main.js';

const FIXTURE = join(REPO_ROOT, 'services/model/test/fixture-model');

describe('cytoclip ingest', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('answers a missing atlas argument, and a folder that is no atlas, with exit status 2 and a message', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-cli-ingest-'));
    vi.stubEnv('DATA_DIR', dataDir);
    vi.stubEnv('CYTOCLIP_MODELS', FIXTURE);
    vi.stubEnv('DATABASE_URL', '');
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m));
    try {
      expect(await main(['ingest'])).toBe(2);
      expect(err.join('\n')).toContain('give the atlas folder');
      expect(await main(['ingest', join(dataDir, 'no-such-atlas'), '--no-index'])).toBe(2);
      expect(err.join('\n')).toContain('atlas manifest not found');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
