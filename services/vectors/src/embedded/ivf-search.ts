import { capPerSection } from '../ranking.js';
import type { Candidate } from './chunk.js';
import type { Collection } from './collection.js';
import type { Ivf } from './ivf.js';
import type { CandidateSource, Found, Query } from './search.js';

/** Lists probed first; doubled until the page can be filled. Chosen on the bench's recall. */
export const DEFAULT_NPROBE = 16;

interface ListScan {
  list: number;
  depth: number;
  /** Rows that pass the filter, best first. */
  found: Candidate[];
  /** Int8 score of the last row read when the list was not read to its end, else -Infinity. */
  cutoff: number;
}

/**
 * Candidates from the IVF lists nearest the query. Each list is read to a depth of ~page/selectivity. The page is
 * settled when it is full after the filter and the per-section cap, and no list stopped short above the page's last
 * score (an unread row there could still belong to the page); otherwise those lists are read deeper, and when the
 * page cannot fill, more lists are probed, up to all of them. `deeper(reach)` goes on reading the same lists until
 * none stops above `reach`.
 */
export function ivfCandidates(ivf: Ivf, selectivity: number, nprobe = DEFAULT_NPROBE): CandidateSource {
  return (collection: Collection, query: Query, need: number, perSection: number): Found => {
    const want = need + 10;
    const baseDepth = Math.ceil((2 * need + 10) / Math.max(selectivity, 1e-6));
    const keep = Uint8Array.from(collection.rows.partitions, (p) => (query.matcher.partition(p.fields) ? 1 : 0));
    const sectionOf = collection.rows.sectionOf.data;
    const scans: ListScan[] = [];
    // Reads until the page is settled and every probed list passes `reach`; `deeper` resumes with a lower reach.
    const settle = (reach: number): Found => {
      for (let probes = Math.max(nprobe, scans.length); ; probes *= 2) {
        const lists = ivf.probe(query.q8, probes);
        for (const list of lists.slice(scans.length)) scans.push(scanList(collection, keep, query, list, baseDepth));
        for (;;) {
          const candidates = scans.flatMap((scan) => scan.found).sort((a, b) => b.approx - a.approx);
          const page =
            perSection > 0
              ? capPerSection(candidates, (c) => sectionOf[c.row]!, perSection, want)
              : candidates.slice(0, want);
          const threshold = page.length >= want ? Math.min(page[want - 1]!.approx, reach) : Infinity;
          const short = scans.filter(
            (scan) => scan.cutoff > threshold || (page.length < want && scan.cutoff > -Infinity),
          );
          const done = { candidates, floor: floorOf(scans), deeper: settle };
          if (page.length >= want && short.length === 0) return done;
          if (page.length < want && scans.length < ivf.size) break; // probe more lists first
          if (short.length === 0) return done; // every list read to its end
          for (const scan of short) Object.assign(scan, scanList(collection, keep, query, scan.list, scan.depth * 2));
        }
      }
    };
    return settle(Infinity);
  };
}

/** The best int8 score a probed list left unread: every row above it is among the candidates. */
function floorOf(scans: ListScan[]): number {
  return Math.max(-Infinity, ...scans.map((scan) => scan.cutoff));
}

function scanList(collection: Collection, keep: Uint8Array, query: Query, list: number, depth: number): ListScan {
  const chunk = collection.lists.chunks[list]!;
  const all: Candidate[] = [];
  chunk.top(query.q8, depth, all);
  const found: Candidate[] = [];
  const { rows } = collection;
  for (const candidate of all) {
    if (keep[rows.partitionOf(candidate.row)] === 1 && collection.rowPasses(candidate.row, query.matcher))
      found.push(candidate);
  }
  const cutoff = all.length < chunk.n ? all[all.length - 1]!.approx : -Infinity;
  return { list, depth, found, cutoff };
}
