import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main.js';

// reindexLexical itself is tested on an ingested atlas (services/ingest/test/lexical.test.ts); here the command.
describe('cytoclip reindex / search --retrieval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cytoclip-reindex-'));
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('reindexes nothing in an empty DATA_DIR, and names an unknown model', async () => {
    vi.stubEnv('DATA_DIR', dir);
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
    vi.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m));
    expect(await main(['reindex', '--json'])).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual({ collections: [] });
    expect(await main(['reindex', '--model', 'nope@1', '--json'])).not.toBe(0);
    expect(err.join('')).toContain('nope@1');
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('refuses an unknown retrieval mode before asking anyone (exit 2)', async () => {
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m));
    expect(await main(['search', 'subplate', '--retrieval', 'bm25', '--api', 'http://127.0.0.1:9'])).toBe(2);
    expect(err.join('\n')).toContain('--retrieval must be hybrid, dense, lexical');
  });
});
