import type { SearchFilter } from '@cytoclip/domain';
import type { PointPayload } from '../types.js';

/** The fields every point of one section shares. */
export type SectionFields = Omit<PointPayload, 'region' | 'regionPath'>;
/** The fields a partition shares: its points are one int8 chunk, so a filter on them is decided once per chunk. */
export type PartitionFields = Omit<SectionFields, 'section'>;

export interface RegionEntry {
  /** null: an unannotated point (empty path), which no region filter keeps. */
  region: string | null;
  regionPath: string[];
}

/** A filter split by where it is decided: once per partition, or per point (section, region subtree). */
export interface Matcher {
  partition(fields: PartitionFields): boolean;
  /** null when the filter names no section. */
  section: ((section: string) => boolean) | null;
  /** null when the filter names no region: every region matches. */
  region: ((entry: RegionEntry) => boolean) | null;
}

export function compileFilter(filter: SearchFilter): Matcher {
  const { gestationalWeek: week, planes, specimens, atlases, sections, regions } = filter;
  const inList = (list: string[] | undefined, value: string) => !list || list.includes(value);
  const sectionSet = sections ? new Set(sections) : null;
  return {
    partition: (p) =>
      inList(atlases, p.atlas) &&
      inList(specimens, p.specimen) &&
      inList(planes, p.plane) &&
      (week?.gte === undefined || p.gestationalWeek >= week.gte) &&
      (week?.lte === undefined || p.gestationalWeek <= week.lte),
    section: sectionSet ? (section) => sectionSet.has(section) : null,
    region: regions ? (entry) => entry.regionPath.some((acronym) => regions.includes(acronym)) : null,
  };
}

export function isRowLevel(matcher: Matcher): boolean {
  return matcher.section !== null || matcher.region !== null;
}
