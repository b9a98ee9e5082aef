import type { Plane } from './atlas-types.js';

/** Metadata filter shared by the search API, the catalog and both vector stores (formats.md §4). */
export interface SearchFilter {
  gestationalWeek?: { gte?: number; lte?: number };
  planes?: Plane[];
  specimens?: string[];
  atlases?: string[];
  /** Region acronyms; each matches the region and all its descendants. */
  regions?: string[];
  sections?: string[];
}

export const FILTER_FIELDS = ['gestationalWeek', 'planes', 'specimens', 'atlases', 'regions', 'sections'] as const;
