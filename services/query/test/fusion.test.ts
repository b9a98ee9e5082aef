import { describe, expect, it } from 'vitest';
import { fuse, page, sharedRanks } from '../src/hybrid.js';

const hit = (id: string, score: number, section = 's1') => ({ id, score, payload: { atlas: 'a', section } });

describe('reciprocal rank fusion', () => {
  it('shares a lexical rank among equal BM25 scores (competition ranking)', () => {
    expect(sharedRanks([5, 5, 3, 3, 3, 1])).toEqual([1, 1, 3, 3, 3, 6]);
    expect(sharedRanks([])).toEqual([]);
  });

  it('adds 1/(k + rank) over the lists holding an item; equal fused scores go to the higher cosine', () => {
    const dense = [hit('a', 0.9), hit('b', 0.8), hit('c', 0.7)];
    const lexical = [
      { ...hit('c', 0.7), lexical: 4 },
      { ...hit('d', 0.2), lexical: 4 },
      { ...hit('b', 0.8), lexical: 1 },
    ];
    const fused = fuse(dense, lexical, { k: 10, lexicalWeight: 1 });
    // c: 1/13 + 1/11; b: 1/12 + 1/13; a: 1/11; d: 1/11 (a before d: higher cosine).
    expect(fused.map((h) => h.id)).toEqual(['c', 'b', 'a', 'd']);
    expect(fused.map((h) => h.rank)).toEqual([
      { dense: 3, lexical: 1 },
      { dense: 2, lexical: 3 },
      { dense: 1 },
      { lexical: 1 },
    ]);
    expect(fused.find((h) => h.id === 'd')!.score).toBe(0.2);
  });

  it('caps per section over the fused order before paging, and counts what the pages hold', () => {
    const ranked = fuse([hit('a', 0.9, 's1'), hit('b', 0.8, 's1'), hit('c', 0.7, 's2'), hit('d', 0.6, 's1')], [], {
      k: 60,
      lexicalWeight: 1,
    });
    expect(page(ranked, { offset: 0, limit: 2, perSection: 2 }, false)).toMatchObject({ total: 3, totalExact: true });
    expect(page(ranked, { offset: 2, limit: 2, perSection: 2 }, true).hits.map((h) => h.id)).toEqual(['c']);
    expect(page(ranked, { offset: 0, limit: 10 }, true)).toMatchObject({ total: 4, totalExact: false });
  });
});

describe('the lexical weight', () => {
  it('scales the lexical list against the dense one', () => {
    const dense = [hit('a', 0.9), hit('b', 0.5)];
    const lexical = [
      { ...hit('b', 0.5), lexical: 2 },
      { ...hit('c', 0.1), lexical: 1 },
    ];
    expect(fuse(dense, lexical, { k: 1, lexicalWeight: 1 }).map((h) => h.id)).toEqual(['b', 'a', 'c']);
    // c: 4/3 beats a: 1/2 once the lexical list weighs four times the dense one.
    expect(fuse(dense, lexical, { k: 1, lexicalWeight: 4 }).map((h) => h.id)).toEqual(['b', 'c', 'a']);
  });
});
