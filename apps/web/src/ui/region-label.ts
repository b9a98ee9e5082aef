import type { SearchResult } from './types.js';

/** What a card shows for a result's region: its acronym and name, or "unannotated" for tissue no annotation covers. */
export interface RegionLabel {
  acronym: string;
  name: string;
  /** The tile comes from an unannotated section (the API's `region: null`). */
  unannotated: boolean;
}

export const UNANNOTATED = 'unannotated';

export function regionLabel(result: Pick<SearchResult, 'region'>): RegionLabel {
  const { region } = result;
  if (!region) return { acronym: UNANNOTATED, name: 'tissue of an unannotated section', unannotated: true };
  return { acronym: region.acronym, name: region.name, unannotated: false };
}
