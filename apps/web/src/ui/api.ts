/** Calls to the search API (formats.md §4). Every failure becomes an ApiError whose message a person can read. */
import {
  readAtlases,
  readClassification,
  readHeatmap,
  readModelNotes,
  readRegionTree,
  readSection,
  readSpecimens,
  readTrajectory,
  readUploadVerdict,
} from './normalize.js';
import type { AppliedCutoff, Notice, Query, SearchFilter, SearchResponse, Target } from './types.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** "title: detail" from an application/problem+json body, else the status line. */
async function problemOf(response: Response): Promise<ApiError> {
  let text = `${response.status} ${response.statusText}`.trim();
  try {
    const body = (await response.json()) as { title?: string; detail?: unknown; message?: string };
    const detail = typeof body.detail === 'string' ? body.detail : body.message;
    if (body.title || detail) text = [body.title, detail].filter(Boolean).join(': ');
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(`The server answered ${response.status}: ${text}`, response.status);
}

async function call(path: string, init?: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError('The server could not be reached. Check that it is running, then try again.', 0);
  }
  if (!response.ok) throw await problemOf(response);
  return response.json();
}

const post = (path: string, body: unknown, signal?: AbortSignal) =>
  call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

export interface SearchRequest {
  query: Query;
  target: Target;
  filter: SearchFilter;
  limit: number;
  offset: number;
  perSection?: number;
  /** `none`: every item ranked; default (absent) the model's calibrated cutoff. */
  cutoff?: 'none';
  /** The uploaded image's scale, for an image query. */
  micronsPerPixel?: number;
}

export async function search(request: SearchRequest, signal?: AbortSignal): Promise<SearchResponse> {
  const raw = await post('/v1/search', request, signal);
  const body = raw as Partial<SearchResponse> & { cutoff?: AppliedCutoff; notices?: Notice[] };
  return {
    results: body.results ?? [],
    total: body.total ?? 0,
    totalExact: body.totalExact ?? true,
    model: body.model ?? '',
    tookMs: body.tookMs ?? 0,
    unknownWords: body.unknownWords ?? [],
    cutoff: body.cutoff ?? null,
    notices: Array.isArray(body.notices) ? body.notices : [],
    ...readModelNotes(raw as Record<string, unknown>),
    ...readUploadVerdict(raw as Record<string, unknown>),
  };
}

export const fetchRegions = async () => readRegionTree(await call('/v1/regions'));
export const fetchSpecimens = async () => readSpecimens(await call('/v1/specimens'));
export const fetchAtlases = async () => readAtlases(await call('/v1/atlases'));
export const fetchSection = async (id: string) => readSection(id, await call(`/v1/sections/${encodeURIComponent(id)}`));
export const fetchHeatmap = async (section: string, text: string) =>
  readHeatmap(await post('/v1/heatmap', { section, query: { text } }));
export const fetchTrajectory = async (query: Query, filter: SearchFilter, target: Target) =>
  readTrajectory(await post('/v1/trajectory', { query, filter, target }));
export const classify = async (image: string, micronsPerPixel?: number) =>
  readClassification(await post('/v1/classify', micronsPerPixel ? { image, micronsPerPixel } : { image }));

export const dziUrl = (section: string) => `/v1/sections/${encodeURIComponent(section)}/dzi`;
