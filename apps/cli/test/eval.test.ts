import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../../test/support/index.js';
import { main } from '../src/main.js';

const FIXTURE = join(REPO_ROOT, 'services/model/test/fixture-model');

describe('cytoclip models verify / eval', () => {
  afterEach(() => vi.restoreAllMocks());

  it('verifies the fixture package and prints the parity figures as JSON', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    expect(await main(['models', 'verify', FIXTURE, '--json'])).toBe(0);
    const report = JSON.parse(out.join('')) as { ok: boolean; textMaxAbsDiff: number };
    expect(report.ok).toBe(true);
    expect(report.textMaxAbsDiff).toBeLessThanOrEqual(1e-5);
  });

  it('answers bad arguments with exit status 2 and a message', async () => {
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m));
    expect(await main(['eval', '--model', FIXTURE])).toBe(2);
    expect(err.join('\n')).toContain('--dataset <dir> is required');
    expect(await main(['eval', '--dataset', '/nonexistent-dataset', '--model', FIXTURE])).toBe(2);
    expect(err.join('\n')).toContain('dataset.json not found');
    expect(await main(['eval', '--dataset', '/x', '--k', 'ten'])).toBe(2);
    expect(err.join('\n')).toContain('--k must be a positive integer');
  });
});
