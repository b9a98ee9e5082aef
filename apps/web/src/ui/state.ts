/**
 * The search as it appears in the address bar, so a search can be shared: `?q=…&target=tiles&gw=18-24&plane=coronal
 * &specimen=S01&atlas=…&region=CP&page=2&view=groups&similar=<tileId>&open=<resultId>&cutoff=none`. An uploaded image cannot ride
 * in a URL; it lives only in the page.
 */
import { isPlane, type Plane, type Query, type SearchFilter, type Target } from './types.js';

export type View = 'grid' | 'groups';

export interface SearchState {
  text: string;
  /** Search by this tile (or region image, when the target is regions): "find similar"; wins over text. */
  similar: string | null;
  target: Target;
  weeks: [number, number] | null;
  planes: Plane[];
  specimens: string[];
  atlases: string[];
  regions: string[];
  page: number;
  view: View;
  /** The result whose detail is open. */
  open: string | null;
  /** `auto`: the model's calibrated relevance cutoff (the server's default); `none`: every item ranked. */
  cutoff: 'auto' | 'none';
}

export const EMPTY_STATE: SearchState = {
  text: '',
  similar: null,
  target: 'tiles',
  weeks: null,
  planes: [],
  specimens: [],
  atlases: [],
  regions: [],
  page: 1,
  view: 'grid',
  open: null,
  cutoff: 'auto',
};

function parseWeeks(value: string | null): [number, number] | null {
  const match = value?.match(/^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/);
  if (!match) return null;
  const lo = Number(match[1]),
    hi = Number(match[2]);
  return lo <= hi ? [lo, hi] : [hi, lo];
}

export function parseState(search: string): SearchState {
  const p = new URLSearchParams(search);
  const page = Math.floor(Number(p.get('page') ?? '1'));
  return {
    text: p.get('q') ?? '',
    similar: p.get('similar'),
    target: p.get('target') === 'regions' ? 'regions' : 'tiles',
    weeks: parseWeeks(p.get('gw')),
    planes: p.getAll('plane').filter(isPlane),
    specimens: p.getAll('specimen'),
    atlases: p.getAll('atlas'),
    regions: p.getAll('region'),
    page: Number.isFinite(page) && page > 0 ? page : 1,
    view: p.get('view') === 'groups' ? 'groups' : 'grid',
    open: p.get('open'),
    cutoff: p.get('cutoff') === 'none' ? 'none' : 'auto',
  };
}

export function serializeState(state: SearchState): string {
  const p = new URLSearchParams();
  if (state.text) p.set('q', state.text);
  if (state.similar) p.set('similar', state.similar);
  if (state.target !== 'tiles') p.set('target', state.target);
  if (state.weeks) p.set('gw', `${state.weeks[0]}-${state.weeks[1]}`);
  for (const x of state.planes) p.append('plane', x);
  for (const x of state.specimens) p.append('specimen', x);
  for (const x of state.atlases) p.append('atlas', x);
  for (const x of state.regions) p.append('region', x);
  if (state.page > 1) p.set('page', String(state.page));
  if (state.view !== 'grid') p.set('view', state.view);
  if (state.open) p.set('open', state.open);
  if (state.cutoff === 'none') p.set('cutoff', 'none');
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function filterOf(state: SearchState): SearchFilter {
  const filter: SearchFilter = {};
  if (state.weeks) filter.gestationalWeek = { gte: state.weeks[0], lte: state.weeks[1] };
  if (state.planes.length) filter.planes = state.planes;
  if (state.specimens.length) filter.specimens = state.specimens;
  if (state.atlases.length) filter.atlases = state.atlases;
  if (state.regions.length) filter.regions = state.regions;
  return filter;
}

/** The query the state asks for, or null when there is nothing to search (an image query is held elsewhere). */
export function queryOf(state: SearchState): Query | null {
  if (state.similar) return state.target === 'regions' ? { regionImageId: state.similar } : { tileId: state.similar };
  const text = state.text.trim();
  return text ? { text } : null;
}
