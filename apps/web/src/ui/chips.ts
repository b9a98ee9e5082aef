import type { SearchState } from './state.js';
import type { SearchResponse } from './types.js';

export type SuggestedFilter = NonNullable<SearchResponse['suggestedFilter']>;

/** One suggestion the user can apply: its label and the change of state it makes. */
export interface Chip {
  key: string;
  label: string;
  patch: Partial<SearchState>;
}

/**
 * The parts of the server's `suggestedFilter` (what the query's words name: age, plane, specimen, region) not
 * already in the filters, each a chip that adds itself to them. The server never applies them; the user does.
 */
export function chipsOf(suggested: SuggestedFilter | null | undefined, state: SearchState): Chip[] {
  if (!suggested) return [];
  const chips: Chip[] = [];
  const week = suggested.gestationalWeek;
  if (week && !(state.weeks && state.weeks[0] === week.gte && state.weeks[1] === week.lte)) {
    const label = week.gte === week.lte ? `${week.gte} GW` : `${week.gte}–${week.lte} GW`;
    chips.push({ key: 'weeks', label, patch: { weeks: [week.gte, week.lte] } });
  }
  for (const plane of suggested.planes ?? [])
    if (!state.planes.includes(plane))
      chips.push({ key: `plane:${plane}`, label: plane, patch: { planes: [...state.planes, plane] } });
  for (const specimen of suggested.specimens ?? [])
    if (!state.specimens.includes(specimen))
      chips.push({
        key: `specimen:${specimen}`,
        label: `specimen ${specimen}`,
        patch: { specimens: [...state.specimens, specimen] },
      });
  for (const region of suggested.regions ?? [])
    if (!state.regions.includes(region))
      chips.push({ key: `region:${region}`, label: region, patch: { regions: [...state.regions, region] } });
  return chips;
}
