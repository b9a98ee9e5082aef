import type { SearchFilter } from '@cytoclip/domain';
import type { LexicalHit, SparseVector } from '../types.js';
import { INT8_ERROR, type Candidate } from './chunk.js';
import { dot, type Collection } from './collection.js';
import { compileFilter } from './matcher.js';
import { scanRows } from './search.js';

/**
 * The lexical list: docs scored by BM25 (see LexicalDocs.score), best first; the rows of each group of docs with equal
 * scores that pass the filter, by exact dense cosine, until `limit` hits. A group larger than the room left is ranked
 * by its int8 cosines first and only its head (and whatever lies within the int8 error of its last hit) is rescored
 * in f32, as a dense page is.
 */
export function searchLexical(
  collection: Collection,
  query: SparseVector,
  vector: Float32Array,
  filter: SearchFilter,
  limit: number,
): LexicalHit[] {
  const { rows } = collection;
  const docs = [...rows.lexical.score(query)].sort((a, b) => b[1] - a[1]);
  const matcher = compileFilter(filter);
  const partitions = new Uint8Array(rows.partitions.length);
  for (const p of collection.matchingPartitions(matcher)) partitions[p] = 1;
  const out: LexicalHit[] = [];
  for (let i = 0; i < docs.length && out.length < limit;) {
    const score = docs[i]![1];
    const group: number[] = [];
    for (; i < docs.length && docs[i]![1] === score; i++) {
      for (const row of rows.lexical.docs[docs[i]![0]]!.rows.view()) {
        if (partitions[rows.partitionOf(row)] === 1 && collection.rowPasses(row, matcher)) group.push(row);
      }
    }
    for (const hit of bestByCosine(collection, vector, group, limit - out.length)) out.push({ ...hit, lexical: score });
  }
  return out;
}

type Ranked = { id: string; score: number; row: number };

/** The `room` rows of a group closest to the query, best first (ties by id, as everywhere). */
function bestByCosine(
  collection: Collection,
  vector: Float32Array,
  group: number[],
  room: number,
): Omit<LexicalHit, 'lexical'>[] {
  const exact = (rows: number[]): Ranked[] =>
    rows.map((row) => ({ row, id: collection.rows.ids[row]!, score: dot(vector, collection.vectorOf(row)) }));
  let ranked: Ranked[];
  if (group.length <= room) {
    ranked = exact(group);
  } else {
    const candidates: Candidate[] = [];
    scanRows(collection, group, collection.quantizeQuery(vector), group.length, candidates);
    candidates.sort((a, b) => b.approx - a.approx);
    const head = Math.min(candidates.length, room + 10);
    ranked = sortRanked(exact(candidates.slice(0, head).map((c) => c.row)));
    const band = ranked[room - 1]!.score - INT8_ERROR;
    const near: number[] = [];
    for (let k = head; k < candidates.length && candidates[k]!.approx >= band; k++) near.push(candidates[k]!.row);
    ranked = ranked.concat(exact(near));
  }
  return sortRanked(ranked)
    .slice(0, room)
    .map(({ row, id, score }) => ({ id, score, payload: collection.payloadOf(row) }));
}

function sortRanked(list: Ranked[]): Ranked[] {
  return list.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
