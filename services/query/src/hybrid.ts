import { CytoclipError, lexicalQuery } from '@cytoclip/domain';
import type { Hit, LexicalCoverage, QueryVectors, SearchOptions } from './ports.js';

/**
 * Hybrid retrieval: the dense list (the store's cosine ranking) and the lexical list (BM25 over annotation text, see
 * @cytoclip/domain AnnotationText) fused by reciprocal rank fusion, here only, so every store ranks alike.
 *
 * - Each list is read to `depth` under the request's filter. A request's minScore (on the dense cosine) cuts both
 *   lists, the lexical one by each hit's cosine, which the store computes for it too; the automatic cutoff, fitted on
 *   dense scores, cuts the dense list only (a match on the annotation's words is evidence of its own).
 * - RRF: an item scores Σ w / (k + rank) over the lists that hold it (w = 1 for the dense list). The dense rank is the position in the dense
 *   list; the lexical rank is shared by hits of equal BM25 (1 + the hits scoring higher): items of one region at one
 *   age carry the same text, so among them the dense rank decides. Ties of the fused score go to the higher cosine.
 * - perSection then caps the fused order, and pages are cut from it: hybrid (and lexical) rankings hold at most the
 *   fused head of the two lists (`total` counts it; `totalExact` is false when either list was cut at its depth), while
 *   the dense ranking pages through every item. Unannotated items (no lexical vector) are reached by the dense list.
 *
 * `k`, `depth` and the lexical weight were chosen on the dev half of test/queries/neuroanatomy.jsonl only (services/query/README.md).
 */
export const FUSION: Fusion = { k: 60, depth: 100, lexicalWeight: 8 };

export interface Fusion {
  /** RRF's constant: larger flattens the difference between ranks. */
  k: number;
  /** How far each list is read. */
  depth: number;
  /** The lexical list's weight in the sum (the dense list's is 1). */
  lexicalWeight: number;
}

export type RetrievalMode = 'hybrid' | 'dense' | 'lexical';

export interface Ranks {
  dense?: number;
  lexical?: number;
}
export interface RankedHit extends Hit {
  rank: Ranks;
}

/** Structurally the answers' notice: a stable code and what to do. */
export interface RetrievalNotice {
  code: string;
  message: string;
}

export interface RetrievedPage {
  hits: RankedHit[];
  total: number;
  totalExact: boolean;
  notices: RetrievalNotice[];
}

export interface RetrieveInput {
  collection: string;
  vector: Float32Array;
  /** The query's words; absent for an image or an item query (those are ranked by the dense list). */
  text?: string;
  retrieval: RetrievalMode;
  options: SearchOptions;
  /**
   * The cut on the lexical list's dense cosines; default `options.minScore`. The search passes the request's own
   * minScore only: the automatic cutoff (`cutoff: "auto"`, fitted on the dense list's scores) cuts the dense list.
   */
  lexicalMinScore?: number;
  /** The collection's lexical coverage (cached by the caller); null where the store keeps no lexical vectors. */
  coverage: () => Promise<LexicalCoverage | null>;
  fusion?: Fusion;
}

const MISSING: RetrievalNotice = {
  code: 'lexical_index_missing',
  message: 'lexical index missing: run cytoclip reindex (ranked by the dense list alone)',
};

/** One page of the requested retrieval, each hit with its ranks in the lists it came from. */
export async function retrieve(vectors: QueryVectors, input: RetrieveInput): Promise<RetrievedPage> {
  const { retrieval, text } = input;
  if (retrieval === 'lexical' && text === undefined) {
    throw new CytoclipError(
      'invalid_request',
      'lexical retrieval ranks words: give query.text, or use hybrid or dense',
      {
        detail: { field: 'retrieval', message: 'lexical needs query.text' },
      },
    );
  }
  if (retrieval === 'dense' || text === undefined) return dense(vectors, input, []);
  const coverage = vectors.searchLexical ? await input.coverage() : null;
  if (!coverage || coverage.lexical === 0) return dense(vectors, input, coverage?.points === 0 ? [] : [MISSING]);
  const notices: RetrievalNotice[] = [];
  if (coverage.lexical < coverage.points) {
    notices.push({
      code: 'lexical_index_partial',
      message: `lexical vectors cover ${coverage.lexical} of ${coverage.points} items: run cytoclip reindex`,
    });
  }
  const query = lexicalQuery(text);
  if (query.indices.length === 0) {
    notices.push({ code: 'no_lexical_terms', message: 'the query has no words the lexical index reads' });
    return retrieval === 'lexical' ? empty(notices) : dense(vectors, input, notices);
  }
  const fusion = input.fusion ?? FUSION;
  const { filter, minScore } = input.options;
  const lexicalMin = 'lexicalMinScore' in input ? input.lexicalMinScore : minScore;
  const listed = await vectors.searchLexical!(input.collection, query, {
    filter,
    limit: fusion.depth,
    vector: input.vector,
  });
  const lexical = listed.filter((hit) => lexicalMin === undefined || hit.score >= lexicalMin);
  const lexicalCut = listed.length >= fusion.depth;
  if (retrieval === 'lexical') {
    const ranks = sharedRanks(lexical.map((h) => h.lexical));
    return {
      ...page(
        lexical.map((h, i) => ({ ...h, rank: { lexical: ranks[i]! } })),
        input.options,
        lexicalCut,
      ),
      notices,
    };
  }
  if (lexical.length === 0) return dense(vectors, input, notices);
  const denseList = await vectors.search(input.collection, input.vector, {
    filter,
    minScore,
    limit: fusion.depth,
    offset: 0,
  });
  const fused = fuse(denseList.hits, lexical, fusion);
  return { ...page(fused, input.options, lexicalCut || denseList.total > denseList.hits.length), notices };
}

async function dense(vectors: QueryVectors, input: RetrieveInput, notices: RetrievalNotice[]): Promise<RetrievedPage> {
  const { total, totalExact, hits } = await vectors.search(input.collection, input.vector, input.options);
  const offset = input.options.offset;
  return { hits: hits.map((h, i) => ({ ...h, rank: { dense: offset + i + 1 } })), total, totalExact, notices };
}

function empty(notices: RetrievalNotice[]): RetrievedPage {
  return { hits: [], total: 0, totalExact: true, notices };
}

/** Competition ranks of scores sorted best first: equal scores share the rank of the first of them (1, 1, 3 …). */
export function sharedRanks(sorted: number[]): number[] {
  const ranks: number[] = [];
  sorted.forEach((score, i) => ranks.push(i > 0 && score === sorted[i - 1] ? ranks[i - 1]! : i + 1));
  return ranks;
}

/** Reciprocal rank fusion of the dense list and the lexical list (best BM25 first), best first. */
export function fuse(
  denseHits: Hit[],
  lexical: (Hit & { lexical: number })[],
  { k, lexicalWeight: w }: Pick<Fusion, 'k' | 'lexicalWeight'>,
): RankedHit[] {
  const byId = new Map<string, RankedHit & { fused: number }>();
  denseHits.forEach((hit, i) => byId.set(hit.id, { ...hit, rank: { dense: i + 1 }, fused: 1 / (k + i + 1) }));
  const ranks = sharedRanks(lexical.map((h) => h.lexical));
  lexical.forEach((hit, i) => {
    const rank = ranks[i]!;
    const known = byId.get(hit.id);
    if (known) {
      known.rank.lexical = rank;
      known.fused += w / (k + rank);
    } else {
      byId.set(hit.id, {
        id: hit.id,
        score: hit.score,
        payload: hit.payload,
        rank: { lexical: rank },
        fused: w / (k + rank),
      });
    }
  });
  return [...byId.values()]
    .sort((a, b) => b.fused - a.fused || b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(({ fused: _, ...hit }) => hit);
}

/** perSection over the whole ranking (greedy, best first), then the page; `total` is what the pages hold together. */
export function page(
  ranked: RankedHit[],
  options: Pick<SearchOptions, 'offset' | 'limit' | 'perSection'>,
  cut: boolean,
): Omit<RetrievedPage, 'notices'> {
  const capped = options.perSection ? capPerSection(ranked, options.perSection) : ranked;
  return {
    hits: capped.slice(options.offset, options.offset + options.limit),
    total: capped.length,
    totalExact: !cut,
  };
}

function capPerSection(ranked: RankedHit[], cap: number): RankedHit[] {
  const taken = new Map<string, number>();
  return ranked.filter((hit) => {
    const key = `${hit.payload?.atlas ?? ''}/${hit.payload?.section ?? hit.id}`;
    const n = (taken.get(key) ?? 0) + 1;
    taken.set(key, n);
    return n <= cap;
  });
}
