import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyze, documentVector, lexicalQuery } from '@cytoclip/domain';
import { makePoints, randomUnit, rng } from '../testing/fixtures.js';
import type { VectorPoint } from '../types.js';
import { EmbeddedVectorStore } from './store.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'cytoclip-lexical-')));

const TEXT: Record<string, string> = {
  CP: 'cortical plate neurons',
  SP: 'subplate neurons',
  GE: 'ganglionic eminence',
};
const withLexical = (points: VectorPoint[]) =>
  points.map((p) => ({ ...p, lexical: documentVector(analyze(TEXT[p.payload.region!]!)) }));

describe('embedded lexical index on disk', () => {
  const query = randomUnit(rng(8), 32);
  const ask = (store: EmbeddedVectorStore) =>
    store.searchLexical('tiles', lexicalQuery('subplate neurons'), { limit: 50, vector: query });

  it('reopens the same list from rows.bin, from a replay of the segments, and from a rows.bin of before', async () => {
    fresh();
    const points = withLexical(makePoints(32));
    const first = await EmbeddedVectorStore.open(dir);
    await first.ensureCollection('tiles', { dim: 32 });
    await first.upsert('tiles', points.slice(0, 60));
    await first.upsert('tiles', points.slice(60));
    await first.upsert('tiles', [{ ...points[1]!, lexical: undefined }]); // an overwrite without one
    const before = await ask(first);
    const coverage = await first.lexicalCoverage('tiles');
    expect(coverage).toEqual({ points: points.length, lexical: points.length - 1 });
    await first.close();

    const rowsFile = join(dir, 'vectors', 'tiles', 'rows.bin');
    const snapshot = readFileSync(rowsFile);
    expect(snapshot.toString('latin1', 0, 7)).toBe('CVROWS2');
    const second = await EmbeddedVectorStore.open(dir);
    expect(await ask(second)).toEqual(before);
    expect(await second.lexicalCoverage('tiles')).toEqual(coverage);
    await second.close();

    rmSync(rowsFile); // a crash before the first checkpoint: every segment is replayed
    const third = await EmbeddedVectorStore.open(dir);
    expect(await ask(third)).toEqual(before);
    await third.close();
  });

  it('opens a store written before lexical vectors (CVROWS1 rows.bin): no lexical list until points get one', async () => {
    fresh();
    const points = makePoints(32);
    const first = await EmbeddedVectorStore.open(dir);
    await first.ensureCollection('tiles', { dim: 32 });
    await first.upsert('tiles', points);
    await first.close();
    // The same file as the earlier format wrote it: magic CVROWS1 and no docOf column (the 5th u32 column).
    const rowsFile = join(dir, 'vectors', 'tiles', 'rows.bin');
    const v2 = readFileSync(rowsFile);
    const n = v2.readUInt32LE(8);
    const json = v2.readUInt32LE(20);
    const docOf = 28 + json + 4 * 4 * n;
    const v1 = Buffer.concat([v2.subarray(0, docOf), v2.subarray(docOf + 4 * n)]);
    v1.write('CVROWS1', 0, 'latin1');
    writeFileSync(rowsFile, v1);

    const second = await EmbeddedVectorStore.open(dir);
    expect(await second.lexicalCoverage('tiles')).toEqual({ points: points.length, lexical: 0 });
    expect(await ask(second)).toEqual([]);
    expect((await second.search('tiles', query, { limit: 3 })).hits).toHaveLength(3);
    await second.upsert('tiles', withLexical(points.slice(0, 10)));
    expect((await ask(second)).length).toBeGreaterThan(0);
    await second.close();
  });
});
