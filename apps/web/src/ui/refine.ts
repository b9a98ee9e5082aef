/**
 * Refining a search by examples: thumbs up / down on results and "search this area" on a section. The query the
 * user typed (or uploaded, or "similar to") becomes one positive example, thumbed-up results more, thumbed-down ones
 * negatives (POST /v1/search `query.positive` / `query.negative`); a drawn box is `query.sectionRegion`.
 */
import type { SearchQuery } from '@cytoclip/query/api-types';
import type { Query, SearchResult, Target } from './types.js';

export type RefinedQuery = SearchQuery;
export type SectionRegion = NonNullable<SearchQuery['sectionRegion']>;
type Example = NonNullable<SearchQuery['positive']>[number];

/** A result picked as an example: what its chip shows. */
export interface PickedResult {
  id: string;
  label: string;
  imageUrl: string;
}

export interface Refinement {
  up: PickedResult[];
  down: PickedResult[];
  /** A box drawn on a section: the positive side instead of the query. */
  area: SectionRegion | null;
}

export const NO_REFINEMENT: Refinement = { up: [], down: [], area: null };

/** The server takes at most this many examples a side; the query itself is one of the positives. */
export const MAX_EXAMPLES = 16;

export function isRefined(r: Refinement): boolean {
  return r.up.length > 0 || r.down.length > 0 || r.area !== null;
}

const exampleOf = (id: string, target: Target): Example =>
  target === 'regions' ? { regionImageId: id } : { tileId: id };

/** The query to send: the plain one when nothing is refined; null when there is nothing to search. */
export function refinedQuery(base: Query | null, r: Refinement, target: Target): RefinedQuery | null {
  const negative = r.down.map((p) => exampleOf(p.id, target));
  const negatives = negative.length ? { negative } : {};
  if (r.area) return { sectionRegion: r.area, ...negatives };
  if (!r.up.length && !r.down.length) return base;
  const positive: Example[] = [...(base ? [{ ...base }] : []), ...r.up.map((p) => exampleOf(p.id, target))];
  return positive.length ? { positive, ...negatives } : null;
}

/**
 * Thumbs up or down on a result: toggles it on that side, off the other. Thumbing up leaves a drawn area (the area
 * and examples do not mix: the query and the thumbed results search again). The oldest pick goes past the server's cap.
 */
export function thumb(r: Refinement, result: SearchResult, side: 'up' | 'down'): Refinement {
  const other = side === 'up' ? 'down' : 'up';
  const picked = r[side].some((p) => p.id === result.id);
  const pick: PickedResult = { id: result.id, label: labelOf(result), imageUrl: result.imageUrl };
  const max = side === 'up' ? MAX_EXAMPLES - 1 : MAX_EXAMPLES;
  const list = picked ? r[side].filter((p) => p.id !== result.id) : [...r[side], pick].slice(-max);
  return {
    ...r,
    [side]: list,
    [other]: r[other].filter((p) => p.id !== result.id),
    area: side === 'up' && !picked ? null : r.area,
  };
}

export function withoutPick(r: Refinement, id: string): Refinement {
  return { ...r, up: r.up.filter((p) => p.id !== id), down: r.down.filter((p) => p.id !== id) };
}

export function sideOf(r: Refinement, id: string): 'up' | 'down' | null {
  if (r.up.some((p) => p.id === id)) return 'up';
  if (r.down.some((p) => p.id === id)) return 'down';
  return null;
}

function labelOf(result: SearchResult): string {
  return `${result.region?.acronym ?? 'unannotated'} · ${result.gestationalWeek} GW · ${result.section}`;
}

/** "S01-cor-0001 [x, y, w × h]" for an area's chip. */
export function areaLabel(area: SectionRegion): string {
  const [x, y, w, h] = area.bbox.map(Math.round);
  return `${area.section} [${x}, ${y}, ${w} × ${h} px]`;
}

/**
 * The drawn box in level-0 pixels, from two corners given as fractions (0..1) of the section's width and height,
 * clipped to the section and rounded; null when it has no area.
 */
export function boxFromCorners(
  a: [number, number],
  b: [number, number],
  size: [number, number],
): [number, number, number, number] | null {
  const clip = (v: number) => Math.min(1, Math.max(0, v));
  const [x0, x1] = [clip(Math.min(a[0], b[0])), clip(Math.max(a[0], b[0]))];
  const [y0, y1] = [clip(Math.min(a[1], b[1])), clip(Math.max(a[1], b[1]))];
  const left = Math.round(x0 * size[0]);
  const top = Math.round(y0 * size[1]);
  const width = Math.round(x1 * size[0]) - left;
  const height = Math.round(y1 * size[1]) - top;
  return width >= 1 && height >= 1 ? [left, top, width, height] : null;
}

/** The event "search this area" sends from the viewer to the page (the viewer sits deep inside the detail). */
export const AREA_EVENT = 'cytoclip:search-area';

export function requestAreaSearch(area: SectionRegion): void {
  dispatchEvent(new CustomEvent<SectionRegion>(AREA_EVENT, { detail: area }));
}
