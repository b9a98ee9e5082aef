import type { Schemas } from '@qdrant/js-client-rest';
import type { SearchFilter } from '@cytoclip/domain';
import type { CollectionSpec, PointPayload, ScoredPoint, SearchOptions, StoredPoint, VectorPoint } from '../types.js';
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

export function createCollectionRequest(spec: CollectionSpec): Schemas['CreateCollection'] {
  const request: Schemas['CreateCollection'] = { vectors: { size: spec.dim, distance: 'Cosine' } };
  if (spec.quantization === 'int8') {
    request.quantization_config = { scalar: { type: 'int8', quantile: 0.99, always_ram: true } };
  }
  return request;
}

/** With int8 quantization, search the quantized vectors and rescore the best in f32 (Qdrant's own oversampling). */
export function searchParams(quantized: boolean): Schemas['SearchParams'] | undefined {
  return quantized ? { quantization: { rescore: true, oversampling: 2 } } : undefined;
}

export function toQdrantPoint(point: VectorPoint): Schemas['PointStruct'] {
  const payload: Record<string, unknown> = {
    ...point.payload,
    [SECTION_KEY]: `${point.payload.atlas}/${point.payload.section}`,
  };
  return { id: point.id, vector: Array.from(point.vector), payload };
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
  if (withVector && Array.isArray(record.vector)) stored.vector = Float32Array.from(record.vector as number[]);
  return stored;
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
