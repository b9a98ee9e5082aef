import { CytoclipError, isCytoclipError, type SearchFilter } from '@cytoclip/domain';
import type { RegionTreeNode, SearchResponse, SpecimenList } from '@cytoclip/query/api-types';
import type { ApiClient } from '../api.js';
import type { EvalSource, RankedItem } from './score.js';

/** The declared answer, `totalExact` read as optional: older servers always counted and sent none. */
type Answer = Omit<SearchResponse, 'totalExact'> & Partial<Pick<SearchResponse, 'totalExact'>>;

/** The server's `offset + limit` window (QueryConfig.maxWindow) and page size (maxLimit), as configured by default. */
const WINDOW = 10_000;
const PAGE = 200;
/** Any text serves to list or count items: `total` does not depend on it, and the server caches its embedding. */
const LISTING_TEXT = 'tissue';

export interface ApiSourceOptions {
  target: 'tiles' | 'regions';
  model?: string;
  retrieval?: string;
}

/**
 * The scoring's questions asked of `POST /v1/search`, `GET /v1/regions` and `GET /v1/specimens`; `model()` is the
 * index that answered. Counts come from `total` (exact: the stores count matching rows). Listings avoid deep paging:
 * a store ranks candidates by int8 scores before rescoring, so pages of one ranking may repeat or skip near-tied
 * items; a filter matching at most one page is listed whole, larger ones are split per specimen, then per plane.
 */
export function apiSource(api: ApiClient, options: ApiSourceOptions): EvalSource & { model(): string | null } {
  let model: string | null = null;
  const search = async (body: Record<string, unknown>): Promise<Answer> => {
    const answer: Answer = await api.post('/v1/search', {
      target: options.target,
      ...(options.model ? { model: options.model } : {}),
      ...body,
    });
    model ??= answer.model;
    return answer;
  };
  const ranked = (a: Answer): RankedItem[] => a.results.map((r) => ({ id: r.id, regionPath: r.region?.path ?? [] }));

  // Counts and listings ask the dense ranking without a relevance cutoff, whose `total` is every item under the filter
  // whatever a lexical or hybrid ranking or the automatic cutoff would keep; a server without the `retrieval` or
  // `cutoff` field (400 naming it) is asked without them.
  let denseField: boolean | null = null;
  const listing = async (filter: SearchFilter, limit: number, offset = 0): Promise<Answer> => {
    const body = { query: { text: LISTING_TEXT }, filter, limit, offset };
    if (denseField !== false) {
      try {
        const answer = await search({ ...body, retrieval: 'dense', cutoff: 'none' });
        denseField = true;
        return answer;
      } catch (error) {
        if (denseField === true || !refusesRetrieval(error)) throw error;
        denseField = false;
      }
    }
    return search(body);
  };

  let specimens: Promise<SpecimenList['specimens']> | null = null;
  /** Narrower filters covering `filter`'s items: per specimen (depth 0), then per plane (depth 1). */
  const partitions = async (filter: SearchFilter, depth: number): Promise<SearchFilter[] | null> => {
    if (depth === 0) {
      specimens ??= api.get('/v1/specimens').then((a) => a.specimens);
      return (await specimens).map((s) => ({ ...filter, atlases: [s.atlas], specimens: [s.id] }));
    }
    if (depth === 1) return (['coronal', 'sagittal', 'axial'] as const).map((p) => ({ ...filter, planes: [p] }));
    return null;
  };

  /** Items under `filter`, exactly: beyond the window, summed over partitions. */
  const count = async (filter: SearchFilter, depth = 0): Promise<number> => {
    const answer = await listing(filter, 1);
    if (answer.totalExact !== false && answer.total < WINDOW) return answer.total;
    const parts = await partitions(filter, depth);
    if (!parts) throw new CytoclipError('too_many_items', `cannot count the items under ${JSON.stringify(filter)}`);
    let sum = 0;
    for (const part of parts) sum += await count(part, depth + 1);
    return sum;
  };

  /** Ids and own regions under `filter`: whole when one page holds them, else per partition, paging only at the end. */
  const collect = async (filter: SearchFilter, into: Map<string, string | null>, depth = 0): Promise<void> => {
    const first = await listing(filter, PAGE);
    const parts = first.total > PAGE ? await partitions(filter, depth) : null;
    if (parts) {
      for (const part of parts) await collect(part, into, depth + 1);
      return;
    }
    for (let offset = 0, page = first; ; page = await listing(filter, PAGE, offset)) {
      for (const r of page.results) into.set(r.id, r.region?.acronym ?? null);
      offset += PAGE;
      if (page.results.length < PAGE || offset >= Math.min(first.total, WINDOW)) return;
    }
  };

  return {
    model: () => model,
    async knownRegions() {
      const out = new Set<string>();
      const walk = (nodes: RegionTreeNode[]) => nodes.forEach((n) => (out.add(n.acronym), walk(n.children ?? [])));
      walk(await regionTree());
      return out;
    },
    countAvailable: (regions, filter) => count({ ...filter, regions }),
    async searchText(text, filter, k) {
      const retrieval = options.retrieval ? { retrieval: options.retrieval } : {};
      return ranked(await search({ query: { text }, filter, limit: k, ...retrieval }));
    },
    async regionSizes() {
      // A region's own items: its subtree's count less its children's subtrees (a region filter matches a subtree).
      const sizes = new Map<string, number>();
      const visit = async (node: RegionTreeNode): Promise<number> => {
        const subtree = await count({ regions: [node.acronym] });
        if (subtree === 0) return 0;
        let children = 0;
        for (const child of node.children ?? []) children += await visit(child);
        if (subtree > children) sizes.set(node.acronym, subtree - children);
        return subtree;
      };
      for (const root of await regionTree()) await visit(root);
      return sizes;
    },
    async regionItems(acronym) {
      const found = new Map<string, string | null>();
      await collect({ regions: [acronym] }, found);
      return [...found].filter(([, region]) => region === acronym).map(([id]) => id);
    },
    async neighbours(id, k) {
      const query = options.target === 'tiles' ? { tileId: id } : { regionImageId: id };
      // The model's ranking, not what a cutoff keeps; the server leaves the item itself out (older servers put it
      // first, or after an exact duplicate), so one more is asked, itself dropped by id, and k kept.
      const answer = await search({ query, limit: k + 1, cutoff: 'none' });
      return ranked(answer)
        .filter((r) => r.id !== id)
        .slice(0, k);
    },
  };

  async function regionTree(): Promise<RegionTreeNode[]> {
    return (await api.get('/v1/regions')).regions;
  }
}

function refusesRetrieval(error: unknown): boolean {
  return (
    isCytoclipError(error) &&
    error.status === 400 &&
    (error.message.includes('retrieval') || error.message.includes('cutoff'))
  );
}
