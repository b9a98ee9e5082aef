import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tinyAtlas } from '../../../test/support/index.js';
import { run } from './run.js';

// `dataset build --min-region-share/--min-tissue`: a looser labelling rule keeps the tiles of thin zones (a region
// that never covers half a tile) that the default rule drops.
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function build(extra: string[]): Promise<{ items: number; regions: Record<string, number> }> {
  const out = join(await mkdtemp(join(tmpdir(), 'cytoclip-ds-')), 'ds');
  dirs.push(out);
  const args = ['dataset', 'build', '--atlas', await tinyAtlas(), '--variant', 'tile', '--size', '32', '--mpp', '8'];
  const { code, out: stdout, err } = await run([...args, '--out', out, '--json', ...extra]);
  expect(code, err).toBe(0);
  return JSON.parse(stdout) as never;
}

describe('dataset build labelling thresholds', () => {
  it('keeps more tiles, of at least as many regions, under a looser rule', async () => {
    const strict = await build([]);
    const loose = await build(['--min-region-share', '0.25', '--min-tissue', '0.25']);
    expect(loose.items).toBeGreaterThan(strict.items);
    expect(Object.keys(loose.regions).length).toBeGreaterThanOrEqual(Object.keys(strict.regions).length);
  }, 300_000);

  it('refuses a share above 1, naming the option', async () => {
    const { code, err } = await run([
      'dataset',
      'build',
      '--atlas',
      'a',
      '--variant',
      'tile',
      '--out',
      'o',
      '--min-tissue',
      '1.5',
    ]);
    expect(code).toBe(2);
    expect(err).toContain('--min-tissue');
  });
});
