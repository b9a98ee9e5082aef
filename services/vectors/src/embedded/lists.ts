import { Chunk } from './chunk.js';
import { Column } from './column.js';

/**
 * The one in-memory copy of the int8 vectors: one chunk per IVF list (a single chunk before the index exists), each
 * holding its rows in ascending row order. A partition is a few ranges of row numbers, so its rows are a contiguous
 * run in every list: a filtered exact scan copies those runs into a scratch chunk instead of keeping a second,
 * partition-ordered copy of every vector.
 */
export class Lists {
  readonly chunks: Chunk[];
  /** List of each row, -1 for rows not held (dead when the collection was opened). */
  readonly listOf = Column.i32();
  readonly positionOf = Column.u32();

  constructor(
    readonly dim: number,
    count: number,
  ) {
    this.chunks = Array.from({ length: count }, () => new Chunk(dim, 0));
  }

  /** Adds a row's vector (quantized[from…]) to a list; rows must come in ascending order. */
  add(row: number, list: number, quantized: Int8Array, from: number): void {
    while (this.listOf.length < row) {
      this.listOf.push(-1);
      this.positionOf.push(0);
    }
    this.listOf.push(list);
    this.positionOf.push(this.chunks[list]!.push(row, quantized, from));
  }

  /** Sizes each list for the rows about to be added to it (growing row by row costs more than the copy itself). */
  reserve(counts: ArrayLike<number>): void {
    for (let list = 0; list < this.chunks.length; list++) this.chunks[list]!.reserve(counts[list] ?? 0);
  }

  /** The row's int8 vector, a view. */
  vector(row: number): Int8Array {
    return this.chunks[this.listOf.data[row]!]!.vector(this.positionOf.data[row]!);
  }

  /** Copies the rows in `ranges` ([start, end) pairs, ascending, disjoint) from every list into `out`. */
  gather(ranges: Uint32Array, out: Chunk): void {
    for (const chunk of this.chunks) {
      let at = 0;
      for (let r = 0; r < ranges.length && at < chunk.n; r += 2) {
        const lo = chunk.lowerBound(ranges[r]!, at);
        at = chunk.lowerBound(ranges[r + 1]!, lo);
        out.copyFrom(chunk, lo, at);
      }
    }
  }

  /** Int8 vectors of `rows`, back to back in a fresh buffer (usearch reads buffers from their start). */
  collect(rows: ArrayLike<number>): Int8Array {
    const out = new Int8Array(rows.length * this.dim);
    for (let i = 0; i < rows.length; i++) out.set(this.vector(rows[i]!), i * this.dim);
    return out;
  }
}
