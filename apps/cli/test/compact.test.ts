import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedVectorStore, type VectorPoint } from '@cytoclip/vectors';
import { main } from '../src/main.js';

const DIM = 16;

function point(i: number, version: number): VectorPoint {
  const vector = new Float32Array(DIM).map((_, d) => Math.sin(i * 7 + d * 3 + version));
  return {
    id: `00000000-0000-5000-8000-${String(i).padStart(12, '0')}`,
    vector,
    payload: {
      kind: 'tile',
      atlas: 'a',
      specimen: 'S01',
      section: `S01-cor-${i % 4}`,
      plane: 'coronal',
      gestationalWeek: 20,
      region: 'CP',
      regionPath: ['Br', 'CP'],
    },
  };
}

describe('cytoclip compact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cytoclip-compact-cli-'));
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('reclaims the dead rows of every embedded collection, answers unchanged; names an unknown collection', async () => {
    const store = await EmbeddedVectorStore.open(dir);
    await store.ensureCollection('tiles', { dim: DIM });
    const points = Array.from({ length: 60 }, (_, i) => point(i, 0));
    await store.upsert('tiles', points);
    await store.upsert(
      'tiles',
      points.slice(0, 40).map((p, i) => ({ ...point(i, 1), id: p.id })),
    );
    const query = point(3, 1).vector;
    const before = await store.search('tiles', query, { limit: 10 });
    expect((await store.stats('tiles')).dead).toBe(40);
    await store.close();

    vi.stubEnv('DATA_DIR', dir);
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m));
    expect(await main(['compact', '--json'])).toBe(0);
    const report = JSON.parse(out.join('')) as {
      collections: { collection: string; points: number; deadBefore: number }[];
    };
    expect(report.collections).toEqual([expect.objectContaining({ collection: 'tiles', points: 60, deadBefore: 40 })]);

    expect(await main(['compact', 'nope'])).toBe(2);
    expect(err.join('\n')).toContain('no collection named nope (have: tiles)');

    const reopened = await EmbeddedVectorStore.open(dir);
    try {
      expect((await reopened.stats('tiles')).dead).toBe(0);
      expect(await reopened.search('tiles', query, { limit: 10 })).toEqual(before);
    } finally {
      await reopened.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
