import usearch from 'usearch';
import { Chunk } from './chunk.js';
import type { Rows } from './rows.js';

const { exactSearch, MetricKind } = usearch;

/** Below this many live points the exact scan is fast enough (≈1 ms) and no index is kept. */
export const IVF_MIN_POINTS = 50_000;
/** Filters keeping at most this many points skip the index for an exact scan (≈1–2 ms at 512 dimensions). */
export const EXACT_UP_TO = 40_000;
const KMEANS_ITERATIONS = 8;
const SAMPLE_PER_LIST = 32;

/**
 * An inverted-file index over the int8 vectors: k-means centroids, and each point's int8 vector copied into its
 * nearest centroid's list chunk. A query scans the lists of its `nprobe` nearest centroids with usearch's SIMD
 * exact search. The lists hold dead rows too; search drops them like any filtered-out row.
 */
export class Ivf {
  readonly lists: Chunk[];
  /** List of each row, by row number (rows added after the build included). */
  readonly listOf: Int32Array[] = [];
  assigned = 0;

  constructor(
    readonly dim: number,
    readonly centroids: Int8Array,
    readonly builtFor: number,
  ) {
    this.lists = Array.from({ length: this.size }, () => new Chunk(dim));
  }

  get size(): number {
    return this.centroids.length / this.dim;
  }

  static listsFor(points: number): number {
    return Math.min(1024, Math.max(16, Math.round(Math.sqrt(points) / 3)));
  }

  /** Trains centroids on a sample of the live rows, then assigns every row. */
  static build(rows: Rows, random: () => number = Math.random): Ivf {
    const live: number[] = [];
    for (let row = 0; row < rows.size; row++) if (rows.isAlive(row)) live.push(row);
    const lists = Ivf.listsFor(live.length);
    const sample = gather(rows, pick(live, Math.min(live.length, lists * SAMPLE_PER_LIST), random));
    const centroids = kmeans(sample, rows.dim, lists, random);
    const ivf = new Ivf(rows.dim, centroids, live.length);
    ivf.assign(rows, rows.size);
    return ivf;
  }

  /**
   * Assigns rows [assigned, upTo) to their nearest centroid in batches (or to the lists `known` saved for them).
   * Dead rows get no list: nothing can find them again.
   */
  assign(rows: Rows, upTo: number, known?: Int32Array): void {
    if (known) this.reserveFor(rows, known, upTo);
    const batch = 8192;
    for (let start = this.assigned; start < upTo; start += batch) {
      const ids: number[] = [];
      for (let row = start; row < Math.min(upTo, start + batch); row++) if (rows.isAlive(row)) ids.push(row);
      const nearest = known ? Int32Array.from(ids, (row) => known[row]!) : this.nearest(gather(rows, ids), ids.length);
      ids.forEach((row, i) => this.addRow(row, nearest[i]!, rows));
    }
    this.assigned = Math.max(this.assigned, upTo);
  }

  private reserveFor(rows: Rows, known: Int32Array, upTo: number): void {
    const counts = new Uint32Array(this.size);
    for (let row = this.assigned; row < upTo; row++) if (rows.isAlive(row) && known[row]! >= 0) counts[known[row]!]!++;
    counts.forEach((count, list) => this.lists[list]!.reserve(count));
  }

  private addRow(row: number, list: number, rows: Rows): void {
    this.lists[list]!.push(row, rows.quantized(row), 0);
    this.setList(row, list);
  }

  private setList(row: number, list: number): void {
    const page = row >>> 16;
    while (this.listOf.length <= page) this.listOf.push(new Int32Array(65536).fill(-1));
    this.listOf[page]![row & 0xffff] = list;
  }

  /** Nearest centroid of each of `count` int8 vectors. */
  nearest(vectors: Int8Array, count: number): Int32Array {
    if (count === 0) return new Int32Array(0);
    const { keys } = exactSearch(this.centroids, vectors, this.dim, 1, MetricKind.Cos, 0) as unknown as { keys: BigUint64Array };
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = Number(keys[i]);
    return out;
  }

  /** The `nprobe` lists nearest to a query, best first. */
  probe(q8: Int8Array, nprobe: number): number[] {
    const { keys } = exactSearch(this.centroids, q8, this.dim, Math.min(nprobe, this.size), MetricKind.Cos, 1);
    return Array.from(keys, Number);
  }

  /** Every assigned row's list, for saving. */
  assignments(): Int32Array {
    const out = new Int32Array(this.assigned);
    for (let row = 0; row < this.assigned; row++) out[row] = this.listOf[row >>> 16]?.[row & 0xffff] ?? -1;
    return out;
  }
}

/** Copies the int8 vectors of `ids` into one fresh buffer (usearch reads buffers from their start). */
export function gather(rows: Rows, ids: number[]): Int8Array {
  const out = new Int8Array(ids.length * rows.dim);
  ids.forEach((row, i) => out.set(rows.quantized(row), i * rows.dim));
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
