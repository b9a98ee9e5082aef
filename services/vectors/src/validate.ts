import { CytoclipError, FILTER_FIELDS, isPlane, isUuid, type SearchFilter } from '@cytoclip/domain';
import type {
  CollectionSpec,
  DeleteWhere,
  LexicalOptions,
  PointPayload,
  SearchOptions,
  SparseVector,
  VectorPoint,
} from './types.js';

/** Checks a filter's every field and type; an unknown field or a wrong type is the caller's mistake (400). */
export function validateFilter(filter: unknown): SearchFilter {
  if (filter === undefined || filter === null) return {};
  if (typeof filter !== 'object' || Array.isArray(filter)) throw filterError('filter', 'must be an object');
  for (const [field, value] of Object.entries(filter)) {
    if (!(FILTER_FIELDS as readonly string[]).includes(field)) {
      throw new CytoclipError(
        'unknown_filter_field',
        `unknown filter field "${field}" (known: ${FILTER_FIELDS.join(', ')})`,
        {
          detail: { field },
        },
      );
    }
    if (value === undefined) continue;
    if (field === 'gestationalWeek') checkRange(value);
    else checkStrings(field, value);
  }
  return filter as SearchFilter;
}

function checkRange(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw filterError('gestationalWeek', 'must be an object { gte?, lte? }');
  }
  for (const [key, bound] of Object.entries(value)) {
    if (key !== 'gte' && key !== 'lte') throw filterError(`gestationalWeek.${key}`, 'is not a bound (use gte, lte)');
    if (bound !== undefined && (typeof bound !== 'number' || !Number.isFinite(bound))) {
      throw filterError(`gestationalWeek.${key}`, 'must be a finite number');
    }
  }
}

function checkStrings(field: string, value: unknown): void {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw filterError(field, 'must be an array of strings');
  }
  if (field === 'planes') {
    const bad = value.find((plane) => !isPlane(plane));
    if (bad !== undefined) throw filterError('planes', `has an unknown plane "${String(bad)}"`);
  }
}

function filterError(field: string, what: string): CytoclipError {
  return new CytoclipError('invalid_filter', `filter field "${field}" ${what}`, { detail: { field } });
}

export function validateSpec(name: string, spec: CollectionSpec): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/.test(name)) {
    throw new CytoclipError('invalid_collection', `invalid collection name "${name}" (letters, digits, . _ @ -)`);
  }
  if (!Number.isInteger(spec.dim) || spec.dim < 1 || spec.dim > 65536) {
    throw new CytoclipError('invalid_collection', `collection dimension must be a positive integer, got ${spec.dim}`);
  }
}

export function checkVector(vector: unknown, dim: number, what = 'query vector'): Float32Array {
  if (!(vector instanceof Float32Array)) throw new CytoclipError('invalid_vector', `${what} must be a Float32Array`);
  if (vector.length !== dim) {
    throw new CytoclipError(
      'wrong_dimension',
      `${what} has dimension ${vector.length}, the collection expects ${dim}`,
      {
        detail: { expected: dim, got: vector.length },
      },
    );
  }
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i]!))
      throw new CytoclipError('invalid_vector', `${what} has a non-finite value at ${i}`);
  }
  return vector;
}

/** Validates a whole batch before anything is written, so a bad point loses nothing. */
export function checkPoints(points: VectorPoint[], dim: number): void {
  if (!Array.isArray(points)) throw new CytoclipError('invalid_points', 'points must be an array');
  points.forEach((point, i) => {
    if (typeof point?.id !== 'string' || !isUuid(point.id) || point.id !== point.id.toLowerCase()) {
      throw new CytoclipError('invalid_point_id', `point ${i} has id "${String(point?.id)}", not a lower-case UUID`);
    }
    checkVector(point.vector, dim, `vector of point ${point.id}`);
    checkPayload(point.payload, point.id);
    if (point.lexical !== undefined) checkSparse(point.lexical, `lexical vector of point ${point.id}`);
  });
}

function checkPayload(payload: PointPayload, id: string): void {
  const bad = (field: string, what: string) =>
    new CytoclipError('invalid_payload', `payload of point ${id}: "${field}" ${what}`, { detail: { id, field } });
  if (typeof payload !== 'object' || payload === null) throw bad('payload', 'is missing');
  if (payload.kind !== 'tile' && payload.kind !== 'region') throw bad('kind', 'must be "tile" or "region"');
  for (const field of ['atlas', 'specimen', 'section'] as const) {
    if (typeof payload[field] !== 'string' || payload[field] === '') throw bad(field, 'must be a non-empty string');
  }
  if (payload.region !== null && (typeof payload.region !== 'string' || payload.region === ''))
    throw bad('region', 'must be a non-empty string, or null for an unannotated point');
  if (!isPlane(payload.plane)) throw bad('plane', 'must be coronal, sagittal or axial');
  if (typeof payload.gestationalWeek !== 'number' || !Number.isFinite(payload.gestationalWeek)) {
    throw bad('gestationalWeek', 'must be a finite number');
  }
  if (payload.region === null) {
    if (!Array.isArray(payload.regionPath) || payload.regionPath.length > 0)
      throw bad('regionPath', 'must be empty when the region is null');
  } else if (!Array.isArray(payload.regionPath) || !payload.regionPath.includes(payload.region)) {
    throw bad('regionPath', 'must be an array of acronyms that includes the region');
  }
}

export function checkSearchOptions(
  options: SearchOptions,
): Required<Omit<SearchOptions, 'filter'>> & { filter: SearchFilter } {
  const { limit, offset = 0, perSection = 0, minScore = -Infinity } = options ?? ({} as SearchOptions);
  const positive = (name: string, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min) {
      throw new CytoclipError('invalid_search', `${name} must be an integer ≥ ${min}, got ${String(value)}`);
    }
  };
  positive('limit', limit, 1);
  positive('offset', offset, 0);
  positive('perSection', perSection, 0);
  if (offset + limit > MAX_WINDOW)
    throw new CytoclipError('invalid_search', `offset + limit is capped at ${MAX_WINDOW}`);
  if (typeof minScore !== 'number' || Number.isNaN(minScore))
    throw new CytoclipError('invalid_search', 'minScore must be a number');
  return { limit, offset, perSection, minScore, filter: validateFilter(options.filter) };
}

/** formats.md §4: offset + limit is capped. */
export const MAX_WINDOW = 10_000;

export function checkDeleteWhere(where: DeleteWhere): void {
  const keys = Object.keys(where ?? {});
  const unknown = keys.find((key) => key !== 'atlas' && key !== 'section');
  if (unknown) throw new CytoclipError('invalid_delete', `unknown delete field "${unknown}" (use atlas, section)`);
  if (!where.atlas && !where.section) {
    throw new CytoclipError(
      'invalid_delete',
      'deleteWhere needs an atlas or a section (refusing to delete everything)',
    );
  }
}

/** Terms a sparse vector may hold: an annotation text has a few hundred at most. */
export const MAX_SPARSE_TERMS = 4096;

/** Term ids: unsigned 32-bit integers, strictly ascending; weights finite and positive; as many of each. */
export function checkSparse(vector: unknown, what: string): SparseVector {
  const bad = (why: string) => new CytoclipError('invalid_vector', `${what} ${why}`);
  const { indices, values } = (vector ?? {}) as Partial<SparseVector>;
  if (!Array.isArray(indices) || !Array.isArray(values)) throw bad('must be { indices: number[], values: number[] }');
  if (indices.length !== values.length) throw bad('has as many indices as values');
  if (indices.length > MAX_SPARSE_TERMS) throw bad(`has more than ${MAX_SPARSE_TERMS} terms`);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (!Number.isInteger(index) || index < 0 || index > 0xffffffff || (i > 0 && index <= indices[i - 1]!))
      throw bad('needs unsigned 32-bit indices in strictly ascending order');
    if (typeof values[i] !== 'number' || !Number.isFinite(values[i]) || values[i]! <= 0)
      throw bad('needs finite positive values');
  }
  return vector as SparseVector;
}

export function checkLexicalOptions(
  options: LexicalOptions,
  dim: number,
): { filter: SearchFilter; limit: number; vector: Float32Array } {
  const { limit, vector } = options ?? ({} as LexicalOptions);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_WINDOW)
    throw new CytoclipError('invalid_search', `limit must be an integer from 1 to ${MAX_WINDOW}, got ${String(limit)}`);
  return { filter: validateFilter(options.filter), limit, vector: checkVector(vector, dim) };
}
