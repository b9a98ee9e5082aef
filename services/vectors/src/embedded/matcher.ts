import type { SearchFilter } from '@cytoclip/domain';
import type { PointPayload } from '../types.js';

/** The fields every point of one section shares: a filter on them is decided once per section chunk. */
export type GroupFields = Omit<PointPayload, 'region' | 'regionPath'>;

export interface RegionEntry {
  region: string;
  regionPath: string[];
}

/** A filter split in two: what a whole section decides, and the region subtree each point decides. */
export interface Matcher {
  group(fields: GroupFields): boolean;
  /** null when the filter names no region: every region matches. */
  region: ((entry: RegionEntry) => boolean) | null;
}

export function compileFilter(filter: SearchFilter): Matcher {
  const { gestationalWeek: week, planes, specimens, atlases, sections, regions } = filter;
  const inList = (list: string[] | undefined, value: string) => !list || list.includes(value);
  return {
    group: (g) =>
      inList(atlases, g.atlas) &&
      inList(specimens, g.specimen) &&
      inList(sections, g.section) &&
      inList(planes, g.plane) &&
      (week?.gte === undefined || g.gestationalWeek >= week.gte) &&
      (week?.lte === undefined || g.gestationalWeek <= week.lte),
    region: regions ? (entry) => entry.regionPath.some((acronym) => regions.includes(acronym)) : null,
  };
}
