import { readFile } from 'node:fs/promises';
import { isPlane, type SearchFilter } from '@cytoclip/domain';
import { UsageError } from '../errors.js';

export const QUERY_SPLITS = ['dev', 'test'] as const;
export type QuerySplit = (typeof QUERY_SPLITS)[number];

/**
 * One line of a query set (JSONL): `{ "text", "regions": ["DG"], "split": "dev" | "test", "source", "filter"? }`.
 * `source` cites where the description comes from (a string or a list); `filter` (optional) narrows the items the
 * query may return and that count as attainable: `gestationalWeek` {gte, lte} and `planes`.
 */
export interface QueryLine {
  text: string;
  regions: string[];
  split: QuerySplit;
  source?: string | string[];
  filter?: SearchFilter;
  /** 1-based line number in the file, for messages. */
  line: number;
}

const KEYS = new Set(['text', 'regions', 'split', 'source', 'filter']);
const FILTER_KEYS = new Set(['gestationalWeek', 'planes']);

function bad(file: string, line: number, message: string): UsageError {
  return new UsageError(`${file} line ${line}: ${message}`, 'invalid_query_set', { file, line });
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string' && v.trim() !== '');
}

function parseFilter(raw: unknown, file: string, line: number): SearchFilter {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw bad(file, line, '"filter" must be an object');
  const filter = raw as Record<string, unknown>;
  for (const key of Object.keys(filter))
    if (!FILTER_KEYS.has(key)) throw bad(file, line, `unknown filter field "${key}" (gestationalWeek, planes)`);
  const weeks = filter.gestationalWeek as Record<string, unknown> | undefined;
  if (weeks !== undefined) {
    const ok =
      typeof weeks === 'object' &&
      weeks !== null &&
      Object.entries(weeks).every(([k, v]) => ['gte', 'lte'].includes(k) && typeof v === 'number');
    if (!ok) throw bad(file, line, '"filter.gestationalWeek" must be { "gte"?: number, "lte"?: number }');
  }
  if (filter.planes !== undefined && !(Array.isArray(filter.planes) && filter.planes.every(isPlane)))
    throw bad(file, line, '"filter.planes" must list coronal, sagittal or axial');
  return filter as SearchFilter;
}

function parseLine(text: string, file: string, line: number): QueryLine {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw bad(file, line, `not JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(file, line, 'not a JSON object');
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) throw bad(file, line, `unknown field "${key}"`);
  if (typeof raw.text !== 'string' || raw.text.trim() === '')
    throw bad(file, line, '"text" must be a non-empty string');
  if (!isStringList(raw.regions) || raw.regions.length === 0)
    throw bad(file, line, '"regions" must be a non-empty list of region acronyms');
  if (!QUERY_SPLITS.includes(raw.split as QuerySplit)) throw bad(file, line, '"split" must be "dev" or "test"');
  if (raw.source !== undefined && typeof raw.source !== 'string' && !isStringList(raw.source))
    throw bad(file, line, '"source" must be a string or a list of strings');
  return {
    text: raw.text.trim(),
    regions: raw.regions,
    split: raw.split as QuerySplit,
    ...(raw.source !== undefined ? { source: raw.source as string | string[] } : {}),
    ...(raw.filter !== undefined ? { filter: parseFilter(raw.filter, file, line) } : {}),
    line,
  };
}

/** Every non-blank line parsed; the first bad line is an error naming it (nothing is scored from a broken set). */
export function parseQuerySet(text: string, file = 'queries'): QueryLine[] {
  const queries = text.split('\n').flatMap((line, i) => (line.trim() ? [parseLine(line, file, i + 1)] : []));
  if (queries.length === 0) throw new UsageError(`${file} holds no queries`, 'invalid_query_set');
  return queries;
}

export async function readQuerySet(file: string): Promise<QueryLine[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read the query set ${file}: ${error.code ?? error.message}`, 'file_not_found');
  });
  return parseQuerySet(text, file);
}
