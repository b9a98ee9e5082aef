import type { Schemas } from '@qdrant/js-client-rest';
import type { SearchFilter } from '@cytoclip/domain';
import type {
  CollectionSpec,
  LexicalHit,
  PointPayload,
  ScoredPoint,
  SearchOptions,
  SparseVector,
  StoredPoint,
  VectorPoint,
} from '../types.js';
import { MAX_WINDOW } from '../validate.js';

/**
 * Pure builders of what the Qdrant adapter sends: typed against the client's own Schemas, so a change in Qdrant's
 * API fails the type-check, and unit-tested without a server.
 */

/** Where each SearchFilter field lives in a point's payload; every one has a payload index. */
export const FILTER_PAYLOAD_KEYS = {
  gestationalWeek: 'gestationalWeek',
  planes: 'plane',
  specimens: 'specimen',
  atlases: 'atlas',
  regions: 'regionPath',
  sections: 'section',
} as const;

/** Qdrant groups by one field, and section ids are unique only inside an atlas: `atlas/section` is stored too. */
export const SECTION_KEY = 'sectionKey';

/**
 * Qdrant groups and counts by keyword or integer values only, and a gestational week may be fractional (30.5): the
 * week is also stored as text for `topPerGroup` (data format 2; older collections group by the number).
 */
export const WEEK_KEY = 'weekKey';

/** Where the collection's data format is stamped in its metadata (see src/data-version.ts). */
export const DATA_VERSION_KEY = 'cytoclipDataVersion';

export const PAYLOAD_INDEXES: { field_name: string; field_schema: Schemas['PayloadFieldSchema'] }[] = [
  { field_name: 'gestationalWeek', field_schema: 'float' },
  { field_name: 'plane', field_schema: 'keyword' },
  { field_name: 'specimen', field_schema: 'keyword' },
  { field_name: 'atlas', field_schema: 'keyword' },
  { field_name: 'regionPath', field_schema: 'keyword' },
  { field_name: 'region', field_schema: 'keyword' },
  { field_name: 'section', field_schema: 'keyword' },
  { field_name: SECTION_KEY, field_schema: 'keyword' },
  { field_name: 'kind', field_schema: 'keyword' },
  { field_name: WEEK_KEY, field_schema: 'keyword' },
];

/** A validated SearchFilter as a Qdrant filter (each list is one `match any`; a region matches its subtree). */
export function toQdrantFilter(filter: SearchFilter = {}): Schemas['Filter'] | undefined {
  const must: Schemas['FieldCondition'][] = [];
  const week = filter.gestationalWeek;
  if (week && (week.gte !== undefined || week.lte !== undefined)) {
    must.push({ key: FILTER_PAYLOAD_KEYS.gestationalWeek, range: { gte: week.gte ?? null, lte: week.lte ?? null } });
  }
  const lists = ['planes', 'specimens', 'atlases', 'regions', 'sections'] as const;
  for (const field of lists) {
    const values = filter[field];
    if (values) must.push({ key: FILTER_PAYLOAD_KEYS[field], match: { any: [...values] } });
  }
  return must.length > 0 ? { must } : undefined;
}

export function deleteFilter(where: { atlas?: string; section?: string }): Schemas['Filter'] {
  return toQdrantFilter({
    ...(where.atlas ? { atlases: [where.atlas] } : {}),
    ...(where.section ? { sections: [where.section] } : {}),
  })!;
}

/**
 * The lexical vectors' name: a named sparse vector beside the unnamed dense one. Qdrant weighs its terms by IDF from
 * the collection (the `idf` modifier), as the embedded store's inverted index does, and our values are BM25's
 * document side (@cytoclip/domain `documentVector`): together, BM25.
 */
export const LEXICAL_VECTOR = 'lexical';
/** How the unnamed dense vector is addressed where vectors are named. */
export const DENSE_VECTOR = '';

export function createCollectionRequest(spec: CollectionSpec): Schemas['CreateCollection'] {
  const request: Schemas['CreateCollection'] = {
    vectors: { size: spec.dim, distance: 'Cosine' },
    sparse_vectors: { [LEXICAL_VECTOR]: { modifier: 'idf' } },
  };
  if (spec.quantization === 'int8') {
    request.quantization_config = { scalar: { type: 'int8', quantile: 0.99, always_ram: true } };
  }
  return request;
}

/** With int8 quantization, search the quantized vectors and rescore the best in f32 (Qdrant's own oversampling). */
export function searchParams(quantized: boolean): Schemas['SearchParams'] | undefined {
  return quantized ? { quantization: { rescore: true, oversampling: 2 } } : undefined;
}

/** A point as Qdrant stores it; its lexical vector goes along only where the collection has the sparse vector. */
export function toQdrantPoint(point: VectorPoint, lexical = true): Schemas['PointStruct'] {
  const payload: Record<string, unknown> = {
    ...point.payload,
    [SECTION_KEY]: `${point.payload.atlas}/${point.payload.section}`,
    [WEEK_KEY]: String(point.payload.gestationalWeek),
  };
  const dense = Array.from(point.vector);
  if (!lexical || !point.lexical?.indices.length) return { id: point.id, vector: dense, payload };
  const sparse = { indices: [...point.lexical.indices], values: [...point.lexical.values] };
  return { id: point.id, vector: { [DENSE_VECTOR]: dense, [LEXICAL_VECTOR]: sparse }, payload };
}

/** A returned point's dense vector and lexical vector, whether Qdrant sent them as one array or by name. */
export function vectorsOf(vector: unknown): { dense?: number[]; lexical?: SparseVector } {
  if (Array.isArray(vector)) return { dense: vector as number[] };
  if (!vector || typeof vector !== 'object') return {};
  const named = vector as Record<string, unknown>;
  const dense = named[DENSE_VECTOR];
  const lexical = named[LEXICAL_VECTOR] as SparseVector | undefined;
  return {
    ...(Array.isArray(dense) ? { dense: dense as number[] } : {}),
    ...(lexical && Array.isArray(lexical.indices) ? { lexical } : {}),
  };
}

export function fromQdrantPayload(payload: Record<string, unknown> | null | undefined): PointPayload {
  const { kind, atlas, specimen, section, plane, gestationalWeek, region, regionPath } = (payload ??
    {}) as unknown as PointPayload;
  return { kind, atlas, specimen, section, plane, gestationalWeek, region, regionPath };
}

export function fromScored(point: Schemas['ScoredPoint']): ScoredPoint {
  return { id: String(point.id), score: point.score, payload: fromQdrantPayload(point.payload) };
}

export function fromRecord(record: Schemas['Record'], withVector: boolean): StoredPoint {
  const stored: StoredPoint = { id: String(record.id), payload: fromQdrantPayload(record.payload) };
  if (!withVector) return stored;
  const { dense, lexical } = vectorsOf(record.vector);
  if (dense) stored.vector = Float32Array.from(dense);
  if (lexical) stored.lexical = { indices: [...lexical.indices], values: [...lexical.values] };
  return stored;
}

/** A lexical hit: Qdrant's score is the BM25; `score` is the dense cosine, from the returned dense vector. */
export function fromLexicalPoint(point: Schemas['ScoredPoint'], query: Float32Array): LexicalHit {
  const dense = vectorsOf(point.vector).dense ?? [];
  let cosine = 0;
  for (let i = 0; i < query.length; i++) cosine += query[i]! * (dense[i] ?? 0);
  return { id: String(point.id), score: cosine, lexical: point.score, payload: fromQdrantPayload(point.payload) };
}

/**
 * The lexical list's first request: the sparse query by BM25 (Qdrant applies the IDF modifier), one more hit than
 * asked so a tie across the cut shows, with the dense vectors for the cosines.
 */
export function lexicalRequest(query: SparseVector, filter: SearchFilter, limit: number): Schemas['QueryRequest'] {
  return {
    query: { indices: [...query.indices], values: [...query.values] },
    using: LEXICAL_VECTOR,
    filter: toQdrantFilter(filter),
    limit: limit + 1,
    with_payload: true,
    with_vector: true,
  };
}

/**
 * When hits of equal BM25 straddle the cut, which of them make the list is decided by the dense cosine, as in the
 * embedded store: every point scoring at least the cut's BM25 (prefetched, up to the window), ranked by the dense
 * query; the caller drops those above the cut it already has and keeps the best of the tie.
 */
export function tieRequest(
  query: SparseVector,
  vector: Float32Array,
  filter: SearchFilter,
  cut: number,
  limit: number,
  quantized: boolean,
): Schemas['QueryRequest'] {
  return {
    prefetch: {
      query: { indices: [...query.indices], values: [...query.values] },
      using: LEXICAL_VECTOR,
      filter: toQdrantFilter(filter),
      score_threshold: cut,
      limit: MAX_WINDOW,
    },
    query: Array.from(vector),
    params: searchParams(quantized),
    limit,
    with_payload: true,
  };
}

/** Points carrying a lexical vector (a count with this filter). */
export function hasLexicalFilter(): Schemas['Filter'] {
  return { must: [{ has_vector: LEXICAL_VECTOR }] };
}

/** Qdrant refuses requests over 32 MB by default; stay well under, counting JSON floats at their longest. */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
export const MAX_BATCH_POINTS = 1000;

export function batches(
  points: VectorPoint[],
  maxBytes = MAX_REQUEST_BYTES,
  maxPoints = MAX_BATCH_POINTS,
): VectorPoint[][] {
  const out: VectorPoint[][] = [];
  let current: VectorPoint[] = [];
  let bytes = 0;
  for (const point of points) {
    const size = point.vector.length * 24 + JSON.stringify(point.payload).length + 128;
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxPoints)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(point);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

type QueryRequest = Schemas['QueryRequest'];
type GroupsRequest = Schemas['QueryGroupsRequest'];
type CheckedOptions = Required<Omit<SearchOptions, 'filter'>> & { filter: SearchFilter };

/**
 * A top-k as a Qdrant query; with `perSection`, a groups query instead (Qdrant applies the cap): the best
 * `offset + limit` sections with at most `perSection` hits each hold every hit of the capped top-k (a section outside
 * them would rank below `limit` better sections' best hits).
 */
export function searchRequest(
  vector: Float32Array,
  options: CheckedOptions,
  quantized: boolean,
): { kind: 'query'; body: QueryRequest } | { kind: 'groups'; body: GroupsRequest } {
  const common = rankedCommon(vector, options, quantized, true);
  if (options.perSection > 0) {
    return {
      kind: 'groups',
      body: { ...common, group_by: SECTION_KEY, group_size: options.perSection, limit: options.offset + options.limit },
    };
  }
  return { kind: 'query', body: { ...common, limit: options.limit, offset: options.offset } };
}

/**
 * What counts a search's total, up to one past the window: a plain count when only the filter decides; else the same
 * ranking as the pages (score_threshold, groups by section) asked for MAX_WINDOW + 1 hits without payloads.
 */
export function countRequest(
  vector: Float32Array,
  options: CheckedOptions,
  quantized: boolean,
):
  | { kind: 'count'; body: Schemas['CountRequest'] }
  | { kind: 'query'; body: QueryRequest }
  | { kind: 'groups'; body: GroupsRequest } {
  const scored = Number.isFinite(options.minScore);
  if (!scored && options.perSection === 0) {
    return { kind: 'count', body: { filter: toQdrantFilter(options.filter), exact: true } };
  }
  const common = rankedCommon(vector, options, quantized, false);
  if (options.perSection > 0) {
    return {
      kind: 'groups',
      body: { ...common, group_by: SECTION_KEY, group_size: options.perSection, limit: MAX_WINDOW + 1 },
    };
  }
  return { kind: 'query', body: { ...common, limit: MAX_WINDOW + 1 } };
}

function rankedCommon(vector: Float32Array, options: CheckedOptions, quantized: boolean, payload: boolean) {
  return {
    query: Array.from(vector),
    filter: toQdrantFilter(options.filter),
    params: searchParams(quantized),
    with_payload: payload,
    ...(Number.isFinite(options.minScore) ? { score_threshold: options.minScore } : {}),
  };
}
