import { capRows, type Candidate } from './chunk.js';
import type { Collection } from './collection.js';
import type { Ivf } from './ivf.js';
import type { Query } from './search.js';

/** Lists probed first; doubled (with the depth) until the page can be filled. Chosen on the bench's recall. */
export const DEFAULT_NPROBE = 24;

/**
 * Candidates from the IVF lists nearest the query. A filter that keeps a share `selectivity` of the points deepens
 * the scan of each list by 1/selectivity; if the filter or the per-section cap still leaves too few, the probe
 * widens until it has covered every list.
 */
export function ivfCandidates(ivf: Ivf, selectivity: number, nprobe = DEFAULT_NPROBE) {
  return (collection: Collection, query: Query, need: number, perSection: number): Candidate[] => {
    let probes = nprobe;
    let depth = Math.ceil((2 * need + 10) / Math.max(selectivity, 1e-6));
    for (;;) {
      const out = scan(collection, ivf, query, probes, depth);
      const exhausted = probes >= ivf.size && ivf.lists.every((list) => list.n <= depth);
      if (exhausted || enough(collection, out, need, perSection)) return out;
      probes *= 2;
      depth *= 2;
    }
  };
}

function scan(collection: Collection, ivf: Ivf, query: Query, probes: number, depth: number): Candidate[] {
  const out: Candidate[] = [];
  const sectionOk = new Map<number, boolean>();
  const { rows } = collection;
  for (const list of ivf.probe(query.q8, probes)) {
    const found: Candidate[] = [];
    ivf.lists[list]!.top(query.q8, depth, found);
    for (const candidate of found) {
      const section = rows.sectionOf[candidate.row]!;
      let ok = sectionOk.get(section);
      if (ok === undefined) {
        ok = query.matcher.partition(rows.sections[section]!.fields);
        sectionOk.set(section, ok);
      }
      if (ok && collection.rowPasses(candidate.row, query.matcher)) out.push(candidate);
    }
  }
  return out;
}

/** Enough when the page plus a rescoring margin survives the per-section cap. */
function enough(collection: Collection, candidates: Candidate[], need: number, perSection: number): boolean {
  const want = need + 10;
  if (candidates.length < want) return false;
  if (perSection === 0) return true;
  const sorted = [...candidates].sort((a, b) => b.approx - a.approx);
  return capRows(sorted, collection.rows.sectionOf, perSection, want).length >= want;
}
