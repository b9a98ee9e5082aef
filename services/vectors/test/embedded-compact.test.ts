import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { SearchFilter } from '@cytoclip/domain';
import type { SearchOptions, VectorPoint } from '../src/types.js';
import { makePoints, randomUnit, rng } from '../src/testing/fixtures.js';
import { EmbeddedVectorStore } from '../src/embedded/store.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'cytoclip-compact-')));

const SEARCHES: SearchOptions[] = [
  { limit: 10 },
  { limit: 20, offset: 20, perSection: 3 },
  { limit: 10, minScore: 0.1, filter: { regions: ['Pal'] } },
  { limit: 15, filter: { specimens: ['S01'], planes: ['coronal'] } satisfies SearchFilter },
];

/** Every answer a search gives for a few queries and option sets, to compare a store before and after. */
async function answers(store: EmbeddedVectorStore, dim: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let q = 0; q < 4; q++) {
    const query = randomUnit(rng(100 + q), dim);
    for (const options of SEARCHES) out.push(await store.search('tiles', query, options));
  }
  out.push(await store.count('tiles', { regions: ['CP'] }));
  return out;
}

/** Overwrites half the points with new vectors and deletes one section: a third of the rows end up dead. */
async function churn(store: EmbeddedVectorStore, points: VectorPoint[], dim: number): Promise<void> {
  await store.upsert('tiles', points.slice(0, 150));
  await store.upsert('tiles', points.slice(150));
  const random = rng(5);
  await store.upsert(
    'tiles',
    points.filter((_, i) => i % 2 === 0).map((p) => ({ ...p, vector: randomUnit(random, dim) })),
  );
  await store.deleteWhere('tiles', { section: points[0]!.payload.section });
}

function segmentFiles(): string[] {
  return readdirSync(join(dir, 'vectors', 'tiles')).filter((f) => f.startsWith('seg-'));
}

describe('embedded store compaction', () => {
  for (const [label, options] of [
    ['exact scans', {}],
    ['IVF index', { indexFrom: 100, exactUpTo: 0 }],
  ] as const) {
    it(`reclaims dead rows and answers exactly as before (${label})`, async () => {
      fresh();
      const dim = 24;
      const points = makePoints(dim, 60);
      const store = await EmbeddedVectorStore.open(dir, { ...options, compactSegmentPoints: 70 });
      await store.ensureCollection('tiles', { dim });
      await churn(store, points, dim);
      const before = await answers(store, dim);
      const stale = await store.stats('tiles');
      expect(stale.dead).toBe(150 + 60);
      expect(stale.deadShare).toBeGreaterThan(0.3);

      const report = await store.compact('tiles');
      const stats = await store.stats('tiles');
      expect(stats).toMatchObject({ points: 240, rows: 240, dead: 0, deadShare: 0, segments: 4 });
      expect(report).toMatchObject({ points: 240, deadBefore: 210, segmentsBefore: 4, segmentsAfter: 4 });
      expect(report.bytesAfter).toBeLessThan(report.bytesBefore);
      expect(segmentFiles()).toEqual(['seg-00000005.bin', 'seg-00000006.bin', 'seg-00000007.bin', 'seg-00000008.bin']);
      expect(await answers(store, dim)).toEqual(before);
      const ids = points.map((p) => p.id);
      const stored = await store.get('tiles', ids, true);
      // Writes after a compaction land on the new rows; a reopen reads the caches the compaction left.
      const random = rng(9);
      await store.upsert(
        'tiles',
        stored.slice(0, 5).map((p) => ({ ...p, vector: randomUnit(random, dim) })),
      );
      await store.upsert(
        'tiles',
        stored.slice(0, 5).map((p) => ({ ...p, vector: p.vector! })),
      );
      await store.close();
      const reopened = await EmbeddedVectorStore.open(dir, options);
      expect(await reopened.get('tiles', ids, true)).toEqual(stored);
      expect(await answers(reopened, dim)).toEqual(before);
      await reopened.close();
    });
  }

  it('compacts by itself once a write leaves half the rows dead', async () => {
    fresh();
    const dim = 8;
    const points = makePoints(dim, 20);
    const store = await EmbeddedVectorStore.open(dir, { compactMinDead: 50 });
    await store.ensureCollection('tiles', { dim });
    await store.upsert('tiles', points);
    await store.upsert('tiles', points.slice(0, 40));
    expect((await store.stats('tiles')).dead).toBe(40); // 40 of 140 rows: not yet
    await store.upsert('tiles', points.slice(40));
    expect(await store.stats('tiles')).toMatchObject({ points: 100, rows: 100, dead: 0, segments: 1 });
    await store.close();
  });

  it('reopens with exactly the same live points after a SIGKILL at each step of a compaction and at random moments', async () => {
    fresh();
    const dim = 32;
    const points = makePoints(dim, 400, 11);
    const reference = await EmbeddedVectorStore.open(join(dir, 'reference'));
    await reference.ensureCollection('tiles', { dim });
    await reference.upsert('tiles', points);
    const expected = await answers(reference, dim);
    await reference.close();
    const script = fileURLToPath(new URL('../src/testing/compact-writer.ts', import.meta.url));
    const steps = ['segment-written', 'caches-removed', 'switched', 'cache-installed', 'saved', 'done', '', ''];
    for (const step of steps) {
      const args = ['--import', 'tsx', '--conditions=source', script, dir, String(dim), '400', step];
      const writer = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((resolve) => writer.once('exit', resolve));
      let context = `killed at step ${step}`;
      if (step === '') {
        await new Promise<void>((resolve, reject) => {
          writer.stdout.once('data', () => resolve());
          writer.once('exit', (code) => reject(new Error(`compaction writer exited early (${code})`)));
        });
        const delay = Math.round(Math.random() * 300);
        await new Promise((resolve) => setTimeout(resolve, delay));
        context = `killed ${delay} ms after the first round`;
        writer.kill('SIGKILL');
      }
      await exited;
      expect(writer.signalCode, context).toBe('SIGKILL');

      const store = await EmbeddedVectorStore.open(dir, { indexFrom: 500 });
      expect(await store.count('tiles'), context).toBe(points.length);
      const stored = await store.get(
        'tiles',
        points.map((p) => p.id),
        true,
      );
      expect(stored.length, context).toBe(points.length);
      stored.forEach((point, i) => {
        expect(point.payload, context).toEqual(points[i]!.payload);
        expect(Array.from(point.vector!), context).toEqual(Array.from(points[i]!.vector));
      });
      expect(await answers(store, dim), context).toEqual(expected);
      expect(segmentFiles().length, context).toBe((await store.stats('tiles')).segments); // no unlisted leftovers
      await store.close();
    }
  }, 120_000);
});
