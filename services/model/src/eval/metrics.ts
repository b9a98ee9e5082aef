/**
 * The evaluation metrics, in one place (README "Evaluation metrics" states the same definitions; the trainer's
 * Python evaluator implements them too and must agree within 0.01).
 */

export interface ClassificationMetrics {
  n: number;
  /** Share of items whose prediction equals their region. */
  accuracy: number;
  /** Mean of per-region F1 over `labels` (the leaf regions present in the test set). */
  macroF1: number;
  perRegionF1: Record<string, number>;
  /** matrix[i][j]: items of region labels[i] predicted as labels[j]. */
  confusion: { labels: string[]; matrix: number[][] };
}

/** F1 of one class: 2PR/(P+R), with P = tp/(tp+fp) and R = tp/(tp+fn) taken as 0 when undefined. */
export function f1(tp: number, fp: number, fn: number): number {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

export function classificationMetrics(truth: string[], predicted: string[], labels: string[]): ClassificationMetrics {
  if (truth.length !== predicted.length) throw new Error('truth and predictions differ in length');
  const index = new Map(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  let correct = 0;
  truth.forEach((t, i) => {
    const p = predicted[i]!;
    if (t === p) correct++;
    const ti = index.get(t);
    const pi = index.get(p);
    if (ti !== undefined && pi !== undefined) matrix[ti]![pi]!++;
  });
  const perRegionF1: Record<string, number> = {};
  for (const label of labels) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    truth.forEach((t, i) => {
      const p = predicted[i];
      if (t === label && p === label) tp++;
      else if (p === label) fp++;
      else if (t === label) fn++;
    });
    perRegionF1[label] = f1(tp, fp, fn);
  }
  const macroF1 = labels.length === 0 ? 0 : labels.reduce((sum, l) => sum + perRegionF1[l]!, 0) / labels.length;
  return {
    n: truth.length,
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    macroF1,
    perRegionF1,
    confusion: { labels, matrix },
  };
}

/** 0-based rank of candidate `correct`: how many candidates score strictly higher (ties count in its favour). */
export function rankOf(scores: ArrayLike<number>, correct: number): number {
  const target = scores[correct]!;
  let rank = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > target) rank++;
  return rank;
}

/** Share of queries whose correct answer ranks within the top k (rank < k). */
export function recallAtK(ranks: number[], k: number): number {
  return ranks.length === 0 ? 0 : ranks.filter((r) => r < k).length / ranks.length;
}

/**
 * Indices of the k highest scores, best first; equal scores keep index order. A selection (not a full sort) so
 * kNN over a large gallery stays O(n·k).
 */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  if (k <= 0) return best;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (best.length === k && !(s > scores[best[k - 1]!]!)) continue;
    let pos = best.length;
    while (pos > 0 && scores[best[pos - 1]!]! < s) pos--;
    best.splice(pos, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/** Share of the top min(k, N) results that are relevant. */
export function precisionAtK(scores: ArrayLike<number>, relevant: boolean[], k: number): number {
  const top = topK(scores, k);
  return top.length === 0 ? 0 : top.filter((i) => relevant[i]).length / top.length;
}

/**
 * kNN vote: the k most similar gallery items vote with one vote each; a tie between regions goes to the one
 * with the larger summed similarity, then to the region of the nearer neighbour.
 */
export function knnVote(similarities: ArrayLike<number>, galleryLabels: string[], k: number): string {
  const votes = new Map<string, { count: number; sum: number; first: number }>();
  topK(similarities, k).forEach((g, position) => {
    const label = galleryLabels[g]!;
    const v = votes.get(label) ?? { count: 0, sum: 0, first: position };
    v.count++;
    v.sum += similarities[g]!;
    votes.set(label, v);
  });
  const ranked = [...votes.entries()].sort(([, a], [, b]) => b.count - a.count || b.sum - a.sum || a.first - b.first);
  return ranked[0]![0];
}
