import { describe, expect, it } from 'vitest';
import { classificationMetrics, f1, knnVote, precisionAtK, rankOf, recallAtK, topK } from '../src/eval/metrics.js';

describe('metrics (hand-checked)', () => {
  it('F1 of one class, 0 where undefined', () => {
    expect(f1(2, 1, 1)).toBeCloseTo(2 / 3, 12); // P = 2/3, R = 2/3
    expect(f1(1, 0, 3)).toBeCloseTo(0.4, 12); // P = 1, R = 1/4 → 2·0.25/1.25
    expect(f1(0, 0, 2)).toBe(0);
    expect(f1(0, 3, 0)).toBe(0);
  });

  it('accuracy, per-region F1, macro-F1 and the confusion matrix', () => {
    const truth = ['A', 'A', 'A', 'B', 'B', 'C'];
    const pred = ['A', 'A', 'B', 'B', 'C', 'C'];
    const m = classificationMetrics(truth, pred, ['A', 'B', 'C']);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    // A: tp 2, fp 0, fn 1 → P 1, R 2/3 → 0.8. B: tp 1, fp 1, fn 1 → 0.5. C: tp 1, fp 1, fn 0 → P 1/2, R 1 → 2/3.
    expect(m.perRegionF1.A).toBeCloseTo(0.8, 12);
    expect(m.perRegionF1.B).toBeCloseTo(0.5, 12);
    expect(m.perRegionF1.C).toBeCloseTo(2 / 3, 12);
    expect(m.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(m.confusion.matrix).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it('a prediction outside the labels is wrong and counts for no label', () => {
    const m = classificationMetrics(['A', 'B'], ['Z', 'B'], ['A', 'B']);
    expect(m.accuracy).toBe(0.5);
    expect(m.perRegionF1).toEqual({ A: 0, B: 1 });
    expect(m.macroF1).toBe(0.5);
  });

  it('rank counts strictly higher scores; Recall@K is the share ranked below K', () => {
    expect(rankOf([0.1, 0.9, 0.5], 2)).toBe(1);
    expect(rankOf([0.5, 0.5, 0.1], 1)).toBe(0);
    expect(recallAtK([0, 1, 4, 5, 7], 1)).toBeCloseTo(0.2, 12);
    expect(recallAtK([0, 1, 4, 5, 7], 5)).toBeCloseTo(0.6, 12);
    expect(recallAtK([], 5)).toBe(0);
  });

  it('precision@K over the top min(K, n), ties in index order', () => {
    const scores = [0.9, 0.1, 0.8, 0.7, 0.2];
    const relevant = [true, true, false, true, false];
    expect(topK(scores, 3)).toEqual([0, 2, 3]);
    expect(precisionAtK(scores, relevant, 3)).toBeCloseTo(2 / 3, 12);
    expect(precisionAtK(scores, relevant, 10)).toBeCloseTo(3 / 5, 12);
    expect(topK([0.5, 0.5, 0.5], 2)).toEqual([0, 1]);
    // The selection agrees with a full sort on random scores with ties.
    const random = Array.from({ length: 500 }, (_, i) => Math.round(Math.sin(i * 7.3) * 20) / 20);
    const sorted = random.map((_, i) => i).sort((a, b) => random[b]! - random[a]! || a - b);
    expect(topK(random, 10)).toEqual(sorted.slice(0, 10));
    expect(topK(random, 600)).toEqual(sorted);
  });

  it('kNN votes, ties to the larger summed similarity, then the nearer neighbour', () => {
    expect(knnVote([0.9, 0.8, 0.7, 0.1], ['A', 'B', 'B', 'A'], 3)).toBe('B');
    expect(knnVote([0.5, 0.25, 0.5, 0.25], ['B', 'A', 'A', 'B'], 4)).toBe('B'); // 2–2, equal sums: nearer neighbour
    expect(knnVote([0.5, 0.25, 0.5, 0.25], ['A', 'B', 'B', 'A'], 4)).toBe('A');
    expect(knnVote([0.9, 0.3, 0.6, 0.5], ['A', 'A', 'B', 'B'], 4)).toBe('A'); // 2–2, A 1.2 > B 1.1
    expect(knnVote([0.9, 0.8], ['A', 'B'], 2)).toBe('A');
  });
});
