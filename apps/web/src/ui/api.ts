/** Calls to the search API (formats.md §4). Every failure becomes an ApiError whose message a person can read. */
import { readClassification, readHeatmap, readRegionTree, readSection, readTrajectory } from './answers.js';
import type {
  AnnotationTiles,
  AtlasList,
  ClassifyAnswer,
  ClassifyRequest,
  HeatmapAnswer,
  HeatmapRequest,
  ItemAnswer,
  RegionTree,
  SearchRequest,
  SearchResponse,
  SectionAnswer,
  SectionList,
  SpecimenList,
  TrajectoryAnswer,
  TrajectoryRequest,
  WhyAnswer,
} from '@cytoclip/query/api-types';
import type { Query, SearchFilter, Target } from './types.js';
import { askForReadKey, withReadKey } from './read-key.js';

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

/** The answer, typed as the route declares it; a private server's 401 asks for its read key once and retries. */
async function call<T>(path: string, init?: RequestInit, retried = false): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, withReadKey(init));
  } catch {
    throw new ApiError('The server could not be reached. Check that it is running, then try again.', 0);
  }
  if (response.status === 401 && !retried && askForReadKey()) return call<T>(path, init, true);
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as T;
}

const post = <T>(path: string, body: unknown, signal?: AbortSignal) =>
  call<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

export type { SearchRequest };

export const search = (request: SearchRequest, signal?: AbortSignal) =>
  post<SearchResponse>('/v1/search', request, signal);

export const fetchRegions = async () => readRegionTree(await call<RegionTree>('/v1/regions'));
export const fetchSpecimens = async () => (await call<SpecimenList>('/v1/specimens')).specimens;
export const fetchSections = async () => (await call<SectionList>('/v1/sections')).sections;
export const fetchAtlases = async () => (await call<AtlasList>('/v1/atlases')).atlases;
export const fetchSection = async (id: string) =>
  readSection(await call<SectionAnswer>(`/v1/sections/${encodeURIComponent(id)}`));
/** A section's annotation GeoJSON as stored (polygons with their holes): the outlines a region export writes. */
export const fetchSectionAnnotations = async (id: string) =>
  (await call<SectionAnswer>(`/v1/sections/${encodeURIComponent(id)}`)).annotations?.features ?? [];
/** What a heatmap scores a section's tiles against: the search's text, uploaded image (with its µm/px) or tile. */
export type HeatmapQuery = Pick<HeatmapRequest, 'query' | 'micronsPerPixel'>;
export const fetchHeatmap = async (section: string, query: HeatmapQuery) =>
  readHeatmap(await post<HeatmapAnswer>('/v1/heatmap', { section, ...query } satisfies HeatmapRequest));
/** A tile or region image by id (a shared link's result that is not on the page). */
export const fetchItem = (id: string, kind: 'tile' | 'region') =>
  call<ItemAnswer>(`/v1/${kind === 'tile' ? 'tiles' : 'region-images'}/${encodeURIComponent(id)}`);
/** Auto-annotation of a section: each tile's predicted region and confidence, and the legend. */
export const fetchAnnotation = (section: string) =>
  call<AnnotationTiles>(`/v1/sections/${encodeURIComponent(section)}/annotation/tiles`);
/** The QuPath GeoJSON of a section's auto-annotation (a download link). */
export const annotationGeoJsonUrl = (section: string) => `/v1/sections/${encodeURIComponent(section)}/annotation`;
/** "Why this match": the thesaurus descriptors that score highest on a tile. */
export const fetchWhy = (tile: string) => call<WhyAnswer>(`/v1/tiles/${encodeURIComponent(tile)}/why`);
export const fetchTrajectory = async (query: Query, filter: SearchFilter, target: Target) =>
  readTrajectory(await post<TrajectoryAnswer>('/v1/trajectory', { query, filter, target } satisfies TrajectoryRequest));
export const classify = async (image: string, micronsPerPixel?: number) =>
  readClassification(
    await post<ClassifyAnswer>('/v1/classify', {
      image,
      ...(micronsPerPixel ? { micronsPerPixel } : {}),
    } satisfies ClassifyRequest),
  );

export const dziUrl = (section: string) => `/v1/sections/${encodeURIComponent(section)}/dzi`;
