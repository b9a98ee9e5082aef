import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT, tinyAtlas } from '../../../test/support/index.js';
import { main } from '../src/main.js';

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

  it('refuses another atlas under an ingested name with exit status 2 naming --replace, and replaces it with it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-cli-replace-'));
    vi.stubEnv('DATA_DIR', dataDir);
    vi.stubEnv('CYTOCLIP_MODELS', FIXTURE);
    vi.stubEnv('CYTOCLIP_IMAGE_WORKERS', '0');
    vi.stubEnv('DATABASE_URL', '');
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const first = join(dataDir, 'first');
    const second = join(dataDir, 'second');
    try {
      await cp(await tinyAtlas(), first, { recursive: true });
      await cp(await tinyAtlas(), second, { recursive: true });
      // The same name, one specimen's week changed: another atlas, from another folder.
      const manifest = JSON.parse(await readFile(join(second, 'atlas.json'), 'utf8'));
      manifest.specimens[0].gestationalWeek += 1;
      await writeFile(join(second, 'atlas.json'), JSON.stringify(manifest));
      expect(await main(['ingest', first])).toBe(0);
      expect(await main(['ingest', second])).toBe(2);
      expect(err.join('\n')).toMatch(/already ingested from .*--replace/s);
      expect(await main(['ingest', second, '--replace'])).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
