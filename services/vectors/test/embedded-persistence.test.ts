import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makePoints, randomUnit, rng } from '../src/testing/fixtures.js';
import { EmbeddedVectorStore } from '../src/embedded/store.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'cytoclip-vectors-')));

describe('embedded store on disk', () => {
  it('reopens with the same points, deletes and answers', async () => {
    fresh();
    const points = makePoints(32);
    const query = randomUnit(rng(3), 32);
    const first = await EmbeddedVectorStore.open(dir);
    await first.ensureCollection('tiles', { dim: 32 });
    await first.upsert('tiles', points);
    await first.deleteWhere('tiles', { section: points[0]!.payload.section });
    const before = await first.search('tiles', query, { limit: 10, perSection: 3 });
    await first.close();

    const second = await EmbeddedVectorStore.open(dir);
    expect(await second.listCollections()).toEqual([{ name: 'tiles', dim: 32, count: points.length - 24 }]);
    expect(await second.search('tiles', query, { limit: 10, perSection: 3 })).toEqual(before);
    await second.close();
  });

  it('saves the IVF index and reopens it without retraining', async () => {
    fresh();
    const points = makePoints(32, 60);
    const query = randomUnit(rng(4), 32);
    const options = { indexFrom: 100, exactUpTo: 0 };
    const first = await EmbeddedVectorStore.open(dir, options);
    await first.ensureCollection('tiles', { dim: 32 });
    await first.upsert('tiles', points.slice(0, 200)); // builds the index
    await first.upsert('tiles', points.slice(200)); // assigned to the existing lists
    const before = await first.search('tiles', query, { limit: 10, filter: { regions: ['Pal'] } });
    await first.close();
    const saved = readFileSync(join(dir, 'vectors', 'tiles', 'ivf.bin'));
    expect(saved.readUInt32LE(20)).toBe(points.length); // every row's list is saved

    const second = await EmbeddedVectorStore.open(dir, options);
    expect(await second.search('tiles', query, { limit: 10, filter: { regions: ['Pal'] } })).toEqual(before);
    await second.close();
    expect(readFileSync(join(dir, 'vectors', 'tiles', 'ivf.bin')).equals(saved)).toBe(true);
  });

  it('recomputes the int8 cache from the segments when it is short or its checkpoint is torn', async () => {
    fresh();
    const points = makePoints(32);
    const query = randomUnit(rng(5), 32);
    const first = await EmbeddedVectorStore.open(dir);
    await first.ensureCollection('tiles', { dim: 32 });
    await first.upsert('tiles', points.slice(0, 60));
    await first.upsert('tiles', points.slice(60));
    const before = await first.search('tiles', query, { limit: 10 });
    await first.close();
    const cache = join(dir, 'vectors', 'tiles', 'quantized.i8');
    const full = readFileSync(cache);
    truncateSync(cache, 40 * 32); // a cache cut mid-segment
    const second = await EmbeddedVectorStore.open(dir);
    expect(await second.search('tiles', query, { limit: 10 })).toEqual(before);
    await second.close();
    expect(readFileSync(cache).equals(full)).toBe(true);
    writeFileSync(join(dir, 'vectors', 'tiles', 'checkpoint.json'), '{"rows": 1');
    const third = await EmbeddedVectorStore.open(dir);
    expect(await third.search('tiles', query, { limit: 10 })).toEqual(before);
    await third.close();
  });

  it('reopens from the rows snapshot without reading the segments it covers, and replays the ones after it', async () => {
    fresh();
    const points = makePoints(32);
    const query = randomUnit(rng(6), 32);
    const store = await EmbeddedVectorStore.open(dir);
    await store.ensureCollection('tiles', { dim: 32 });
    await store.upsert('tiles', points.slice(0, 60));
    await store.flush(); // the snapshot covers segment 1
    await store.upsert('tiles', points.slice(60));
    await store.deleteWhere('tiles', { section: points[0]!.payload.section });
    const before = await store.search('tiles', query, { limit: 10, perSection: 2 });
    // The store as a killed process leaves it: segments 2 and 3 are durable but not in the snapshot.
    const killed = join(dir, 'killed');
    cpSync(join(dir, 'vectors'), join(killed, 'vectors'), { recursive: true });
    rmSync(join(killed, 'vectors', 'LOCK'));
    await store.close();
    const segment = join(killed, 'vectors', 'tiles', 'seg-00000001.bin');
    const bytes = readFileSync(segment);
    writeFileSync(segment, Buffer.concat([bytes.subarray(0, 24 + 60 * 32 * 4), Buffer.from('not json')])); // its ids and payloads

    const reopened = await EmbeddedVectorStore.open(killed);
    expect(await reopened.count('tiles')).toBe(points.length - 24);
    expect(await reopened.search('tiles', query, { limit: 10, perSection: 2 })).toEqual(before);
    expect((await reopened.get('tiles', [points[30]!.id]))[0]!.payload).toEqual(points[30]!.payload);
    await reopened.close();
    expect(readFileSync(join(killed, 'vectors', 'tiles', 'rows.bin')).readUInt32LE(12)).toBe(3); // now covers all three
  });

  it('opens a store written before the snapshot existed (or with a damaged one) by replaying its segments', async () => {
    fresh();
    const points = makePoints(32);
    const query = randomUnit(rng(7), 32);
    const first = await EmbeddedVectorStore.open(dir);
    await first.ensureCollection('tiles', { dim: 32 });
    await first.upsert('tiles', points);
    await first.deleteWhere('tiles', { atlas: 'other' });
    const before = await first.search('tiles', query, { limit: 10 });
    await first.close();
    const snapshot = join(dir, 'vectors', 'tiles', 'rows.bin');
    rmSync(snapshot);
    const second = await EmbeddedVectorStore.open(dir);
    expect(await second.search('tiles', query, { limit: 10 })).toEqual(before);
    await second.close();
    expect(readFileSync(snapshot).toString('latin1', 0, 7)).toBe('CVROWS2'); // written at close
    writeFileSync(snapshot, readFileSync(snapshot).subarray(0, 100)); // cut short
    const third = await EmbeddedVectorStore.open(dir);
    expect(await third.count('tiles')).toBe(points.length - 24);
    expect(await third.search('tiles', query, { limit: 10 })).toEqual(before);
    await third.close();
  });

  it('refuses a second open of the same store, and takes over the lock of a dead process', async () => {
    fresh();
    const first = await EmbeddedVectorStore.open(dir);
    await expect(EmbeddedVectorStore.open(dir)).rejects.toThrow(/open in process/);
    await first.close();
    writeFileSync(join(dir, 'vectors', 'LOCK'), '999999999'); // a pid that cannot exist
    const second = await EmbeddedVectorStore.open(dir);
    await second.close();
  });

  it('ignores what a killed writer left behind: an unlisted segment, temp files, a half-dropped collection', async () => {
    fresh();
    const store = await EmbeddedVectorStore.open(dir);
    await store.ensureCollection('tiles', { dim: 8 });
    await store.upsert('tiles', makePoints(8, 4));
    await store.close();
    const collection = join(dir, 'vectors', 'tiles');
    writeFileSync(join(collection, 'seg-99999999.bin'), 'half a segment');
    writeFileSync(join(collection, 'manifest.json.tmp-123'), '{"torn":');
    writeFileSync(join(dir, 'vectors', '.drop-old-1'), 'x');
    const reopened = await EmbeddedVectorStore.open(dir);
    expect(await reopened.count('tiles')).toBe(20);
    expect(readdirSync(collection).sort()).toEqual([
      'checkpoint.json',
      'manifest.json',
      'quantized.i8',
      'rows.bin',
      'seg-00000001.bin',
    ]);
    expect(readdirSync(join(dir, 'vectors')).sort()).toEqual(['LOCK', 'tiles']);
    await reopened.close();
  });

  it('leaves a readable store when the writing process is killed mid-write', async () => {
    fresh();
    const writer = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=source',
        fileURLToPath(new URL('../src/testing/crash-writer.ts', import.meta.url)),
        dir,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      writer.stdout.once('data', () => resolve());
      writer.once('exit', (code) => reject(new Error(`crash writer exited early (${code})`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    writer.kill('SIGKILL');
    await new Promise((resolve) => writer.once('exit', resolve));

    const store = await EmbeddedVectorStore.open(dir);
    expect(await store.count('crash')).toBe(100);
    // Every point is whole: its vector is one of the batches written, and it is its own nearest neighbour.
    for (const point of await store.get(
      'crash',
      makePoints(64, 20, 1)
        .map((p) => p.id)
        .slice(0, 10),
      true,
    )) {
      const { hits } = await store.search('crash', point.vector!, { limit: 1 });
      expect(hits[0]!.id).toBe(point.id);
      expect(hits[0]!.score).toBeCloseTo(1, 5);
    }
    await store.close();
  });
});
