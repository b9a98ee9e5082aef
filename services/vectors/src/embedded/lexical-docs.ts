import type { SparseVector } from '../types.js';
import { Column } from './column.js';

/** A row without a lexical vector. */
export const NO_DOC = 0xffffffff;

/** One distinct lexical vector and the rows that carry it (dead ones included: check each row's alive byte). */
export interface LexicalDoc {
  vector: SparseVector;
  live: number;
  rows: Column<Uint32Array>;
}

/**
 * The embedded store's inverted index. Lexical vectors describe an item's annotation (region and age), so thousands
 * of tiles share each one: they are interned like region entries, each distinct vector once (a "doc"), rows pointing
 * to it. Postings map a term to the docs holding it, so BM25 scores docs (hundreds), not rows (millions); IDF comes
 * from the docs' live row counts, which every append and kill keeps current.
 */
export class LexicalDocs {
  readonly docs: LexicalDoc[] = [];
  /** term id → [doc, weight, doc, weight, …] */
  readonly postings = new Map<number, number[]>();
  /** Live rows that carry a lexical vector (BM25's N). */
  liveRows = 0;
  private readonly keys = new Map<string, number>();

  /** The doc of a vector, registered when new; NO_DOC for none or an empty one. */
  intern(vector: SparseVector | undefined | null): number {
    if (!vector || vector.indices.length === 0) return NO_DOC;
    const key = `${vector.indices.join(',')}|${vector.values.join(',')}`;
    let doc = this.keys.get(key);
    if (doc === undefined) {
      doc = this.docs.length;
      const copy = { indices: [...vector.indices], values: [...vector.values] };
      this.docs.push({ vector: copy, live: 0, rows: Column.u32(16) });
      this.keys.set(key, doc);
      copy.indices.forEach((term, i) => {
        const list = this.postings.get(term);
        if (list) list.push(doc!, copy.values[i]!);
        else this.postings.set(term, [doc!, copy.values[i]!]);
      });
    }
    return doc;
  }

  /** Files a new row under its doc; its live count moves with `count` (Rows counts every live row once). */
  addRow(doc: number, row: number): void {
    if (doc !== NO_DOC) this.docs[doc]!.rows.push(row);
  }

  count(doc: number, delta: number): void {
    if (doc === NO_DOC) return;
    this.docs[doc]!.live += delta;
    this.liveRows += delta;
  }

  /**
   * BM25 of every doc holding a query term: Σ q·idf·w over the shared terms, idf = ln(1 + (N − n + 0.5)/(n + 0.5))
   * with N the live rows carrying a lexical vector and n those carrying the term — Qdrant's IDF modifier, so both
   * stores score alike. Docs without live rows are left out.
   */
  score(query: SparseVector): Map<number, number> {
    const scores = new Map<number, number>();
    const n = this.liveRows;
    query.indices.forEach((term, i) => {
      const list = this.postings.get(term);
      if (!list) return;
      let df = 0;
      for (let k = 0; k < list.length; k += 2) df += this.docs[list[k]!]!.live;
      if (df === 0) return;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let k = 0; k < list.length; k += 2) {
        const doc = list[k]!;
        if (this.docs[doc]!.live > 0) scores.set(doc, (scores.get(doc) ?? 0) + query.values[i]! * idf * list[k + 1]!);
      }
    });
    return scores;
  }
}
