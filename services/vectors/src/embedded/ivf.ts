import usearch from 'usearch';
import type { Lists } from './lists.js';

const { exactSearch, MetricKind } = usearch;

/** Below this many live points the exact scan is fast enough (≈1 ms) and no index is kept. */
export const IVF_MIN_POINTS = 50_000;
/** Filters keeping at most this many points skip the index for an exact scan (≈1–2 ms at 512 dimensions). */
export const EXACT_UP_TO = 40_000;
const KMEANS_ITERATIONS = 8;
const MAX_LISTS = 1024;
/** Lists = √n / this: fewer rows a list means fewer bytes scanned per probe. */
const LIST_DIVISOR = 1.5;
const SAMPLE_PER_LIST = 32;

/**
 * An inverted-file index over the int8 vectors: k-means centroids; each point's int8 vector lives in its nearest
 * centroid's list (`Lists`). A query scans the lists of its `nprobe` nearest centroids with usearch's SIMD exact
 * search. The lists hold dead rows too; search drops them like any filtered-out row.
 */
export class Ivf {
  constructor(
    readonly dim: number,
    readonly centroids: Int8Array,
    readonly builtFor: number,
  ) {}

  get size(): number {
    return this.centroids.length / this.dim;
  }

  static listsFor(points: number): number {
    return Math.min(MAX_LISTS, Math.max(16, Math.round(Math.sqrt(points) / LIST_DIVISOR)));
  }

  /** Trains centroids on a sample of the live rows of `lists`. */
  static train(live: number[], lists: Lists, random: () => number = Math.random): Ivf {
    const count = Ivf.listsFor(live.length);
    const sample = lists.collect(pick(live, Math.min(live.length, count * SAMPLE_PER_LIST), random));
    return new Ivf(lists.dim, kmeans(sample, lists.dim, count, random), live.length);
  }

  /** Nearest centroid of each of `count` int8 vectors (a buffer of their own). */
  nearest(vectors: Int8Array, count: number): Int32Array {
    if (count === 0) return new Int32Array(0);
    const { keys } = exactSearch(this.centroids, vectors, this.dim, 1, MetricKind.Cos, 0) as unknown as {
      keys: BigUint64Array;
    };
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = Number(keys[i]);
    return out;
  }

  /** The `nprobe` lists nearest to a query, best first. */
  probe(q8: Int8Array, nprobe: number): number[] {
    const { keys } = exactSearch(this.centroids, q8, this.dim, Math.min(nprobe, this.size), MetricKind.Cos, 1);
    return Array.from(keys, Number);
  }
}

/** The list of each of `live` (ascending rows) under `ivf`, by row number (-1 for the others), in batches. */
export function assignAll(ivf: Ivf, lists: Lists, live: number[], size: number): Int32Array {
  const out = new Int32Array(size).fill(-1);
  const batch = 8192;
  for (let start = 0; start < live.length; start += batch) {
    const rows = live.slice(start, start + batch);
    const nearest = ivf.nearest(lists.collect(rows), rows.length);
    rows.forEach((row, i) => (out[row] = nearest[i]!));
  }
  return out;
}

function pick(items: number[], count: number, random: () => number): number[] {
  const copy = [...items];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}

/** Spherical k-means on int8 vectors: assignments by usearch's SIMD cosine, means of the unit-length samples. */
function kmeans(sample: Int8Array, dim: number, k: number, random: () => number): Int8Array {
  const n = sample.length / dim;
  const centroids = new Int8Array(k * dim);
  pick(
    Array.from({ length: n }, (_, i) => i),
    k,
    random,
  ).forEach((s, c) => centroids.set(sample.subarray(s * dim, (s + 1) * dim), c * dim));
  for (let iteration = 0; iteration < KMEANS_ITERATIONS; iteration++) {
    const { keys } = exactSearch(centroids, sample, dim, 1, MetricKind.Cos, 0) as unknown as { keys: BigUint64Array };
    const sums = new Float64Array(k * dim);
    const counts = new Uint32Array(k);
    for (let s = 0; s < n; s++) {
      const c = Number(keys[s]);
      counts[c]!++;
      addUnit(sums, c * dim, sample, s * dim, dim);
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        const s = Math.floor(random() * n); // an empty list restarts at a random sample
        centroids.set(sample.subarray(s * dim, (s + 1) * dim), c * dim);
      } else {
        quantizeInto(centroids, c * dim, sums, c * dim, dim);
      }
    }
  }
  return centroids;
}

function addUnit(sums: Float64Array, at: number, v: Int8Array, from: number, dim: number): void {
  let norm = 0;
  for (let j = 0; j < dim; j++) norm += v[from + j]! * v[from + j]!;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let j = 0; j < dim; j++) sums[at + j]! += v[from + j]! * scale;
}

function quantizeInto(out: Int8Array, at: number, v: Float64Array, from: number, dim: number): void {
  let max = 0;
  for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(v[from + j]!));
  const scale = max > 0 ? 127 / max : 0;
  for (let j = 0; j < dim; j++) out[at + j] = Math.round(v[from + j]! * scale);
}
