import usearch from 'usearch';

const { exactSearch, MetricKind } = usearch;

/**
 * Int8 rows stored back to back in one buffer of their own, with the row number of each, rows ascending: an IVF
 * list (or, before the index exists, the whole collection). usearch's SIMD exact search reads the buffer from its
 * start (it ignores a view's offset), so each chunk owns its buffer and passes `subarray(0, n * dim)`.
 */
export class Chunk {
  rows: Uint32Array;
  data: Int8Array;
  n = 0;

  constructor(
    readonly dim: number,
    capacity = 16,
  ) {
    this.rows = new Uint32Array(capacity);
    this.data = new Int8Array(capacity * dim);
  }

  push(row: number, quantized: Int8Array, from: number): number {
    if (this.n === this.rows.length) this.resize(Math.max(16, Math.ceil(this.rows.length * 1.5))); // by half: less slack at 1M
    this.rows[this.n] = row;
    this.data.set(quantized.subarray(from, from + this.dim), this.n * this.dim);
    return this.n++;
  }

  /** Makes room for `more` rows beyond those held. */
  reserve(more: number): void {
    if (this.n + more > this.rows.length) this.resize(this.n + more);
  }

  private resize(capacity: number): void {
    const rows = new Uint32Array(capacity);
    rows.set(this.rows.subarray(0, this.n));
    const data = new Int8Array(capacity * this.dim);
    data.set(this.data.subarray(0, this.n * this.dim));
    this.rows = rows;
    this.data = data;
  }

  /** The int8 vector at position `index`, a view (copy it to keep it). */
  vector(index: number): Int8Array {
    return this.data.subarray(index * this.dim, (index + 1) * this.dim);
  }

  /** Position of the first held row ≥ `row` (rows are ascending). */
  lowerBound(row: number, from = 0): number {
    let lo = from;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid]! < row) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Appends positions [lo, hi) of another chunk (one contiguous copy). */
  copyFrom(source: Chunk, lo: number, hi: number): void {
    if (hi <= lo) return;
    if (this.n + hi - lo > this.rows.length) this.resize(Math.max(this.n + hi - lo, Math.ceil(this.rows.length * 1.5)));
    this.rows.set(source.rows.subarray(lo, hi), this.n);
    this.data.set(source.data.subarray(lo * this.dim, hi * this.dim), this.n * this.dim);
    this.n += hi - lo;
  }

  /** The k best rows by int8 cosine: [row, approximate score] pairs, best first. */
  top(query: Int8Array, k: number, out: Candidate[]): void {
    const count = Math.min(k, this.n);
    if (count <= 0) return;
    const { keys, distances } = exactSearch(
      this.data.subarray(0, this.n * this.dim),
      query,
      this.dim,
      count,
      MetricKind.Cos,
      1,
    );
    for (let i = 0; i < keys.length; i++) out.push({ row: this.rows[Number(keys[i])]!, approx: 1 - distances[i]! });
  }
}

export interface Candidate {
  row: number;
  approx: number;
}

/**
 * The most an int8 cosine is taken to differ from the exact one: measured at most 0.0029 over the demo atlas's tile
 * embeddings (256-d) and 0.007 on spiky random 16-d vectors. Rows nearer than this to a cut (a page's last exact
 * score, minScore) are rescored; further ones are decided by their int8 score.
 */
export const INT8_ERROR = 0.01;

/**
 * Per-vector int8: each row is scaled by its own largest component, which keeps 7 bits for every vector; the cosine
 * the scan uses does not see the scale.
 */
export function quantize(vectors: Float32Array, dim: number): Int8Array {
  const out = new Int8Array(vectors.length);
  for (let base = 0; base < vectors.length; base += dim) {
    let max = 0;
    for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(vectors[base + j]!));
    const scale = max > 0 ? 127 / max : 0;
    for (let j = 0; j < dim; j++) out[base + j] = Math.round(vectors[base + j]! * scale);
  }
  return out;
}
