import type { CheckedGroupOptions } from '../groups.js';
import { shapeGroups } from '../groups.js';
import type { PointGroup } from '../types.js';
import { INT8_ERROR, type Candidate, type Chunk } from './chunk.js';
import type { Collection } from './collection.js';
import { compileFilter } from './matcher.js';

interface Heap {
  value: string | number;
  candidates: Candidate[];
  count: number;
}

/**
 * The best `perGroup` points per gestational week or specimen. Both fields are partition fields, so a row's group is
 * its partition's. The int8 scan reads the matching rows block by block (every IVF list in place when the filter is
 * broad, the matching runs gathered when it keeps few), and after each block every group keeps only the candidates
 * that can still be among its best: memory is groups × perGroup whatever the filter admits. The survivors are
 * rescored in f32, so the scores are exact.
 */
export function topPerGroup(collection: Collection, vector: Float32Array, options: CheckedGroupOptions): PointGroup[] {
  const matcher = compileFilter(options.filter);
  const partitions = collection.matchingPartitions(matcher);
  const groupOf = new Map<number, Heap>();
  const byValue = new Map<string | number, Heap>();
  for (const p of partitions) {
    const value = collection.rows.partitions[p]!.fields[options.field];
    const heap = byValue.get(value) ?? { value, candidates: [], count: 0 };
    byValue.set(value, heap);
    groupOf.set(p, heap);
  }
  if (partitions.length === 0) return [];
  const q8 = collection.quantizeQuery(vector);
  for (const block of blocksOf(collection, partitions, matcher)) {
    const found: Candidate[] = [];
    block.top(q8, block.n, found);
    for (const candidate of found) {
      const heap = groupOf.get(collection.rows.partitionOf(candidate.row));
      if (!heap || !collection.rowPasses(candidate.row, matcher)) continue;
      heap.candidates.push(candidate);
      heap.count++;
    }
    for (const heap of byValue.values()) trim(heap, options.perGroup);
  }
  const groups = [...byValue.values()].map((heap) => ({
    value: heap.value,
    count: heap.count,
    hits: collection.rescore(vector, heap.candidates),
  }));
  return shapeGroups(groups, options);
}

/** The chunks to scan: the partitions' runs gathered into the scratch chunk when few rows match, else every list. */
function blocksOf(collection: Collection, partitions: number[], matcher: ReturnType<typeof compileFilter>): Chunk[] {
  if (collection.estimateMatches(matcher) > collection.options.exactUpTo) return collection.lists.chunks;
  const scratch = collection.scratch;
  scratch.n = 0;
  collection.lists.gather(collection.rangesOf(partitions), scratch);
  return [scratch];
}

/**
 * Keeps the candidates that can still be in the group's exact top k: a point's int8 score is within INT8_ERROR of its
 * cosine, so one whose int8 score is more than twice that below the k-th best int8 score cannot be.
 */
function trim(heap: Heap, k: number): void {
  if (heap.candidates.length <= k) return;
  heap.candidates.sort((a, b) => b.approx - a.approx);
  const floor = heap.candidates[k - 1]!.approx - 2 * INT8_ERROR;
  let keep = k;
  while (keep < heap.candidates.length && heap.candidates[keep]!.approx >= floor) keep++;
  heap.candidates.length = keep;
}
