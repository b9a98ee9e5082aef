import { CytoclipError } from '@cytoclip/domain';
import type { GroupField, GroupOptions, PointGroup, ScoredPoint } from './types.js';
import { byScore } from './ranking.js';
import { validateFilter } from './validate.js';

/** The most groups one `topPerGroup` returns (gestational weeks or specimens of an atlas collection). */
export const MAX_GROUPS = 200;
/** The most points one group keeps. */
export const MAX_PER_GROUP = 100;
const FIELDS: GroupField[] = ['gestationalWeek', 'specimen'];

export type CheckedGroupOptions = Required<GroupOptions>;

/** Refuses a bad field, group size or group count with a 400 naming it. */
export function checkGroupOptions(options: GroupOptions): CheckedGroupOptions {
  const { field, perGroup, groups = MAX_GROUPS } = options ?? ({} as GroupOptions);
  if (!FIELDS.includes(field))
    throw invalid('field', `topPerGroup groups by ${FIELDS.join(' or ')}, not "${String(field)}"`);
  if (!Number.isInteger(perGroup) || perGroup < 1 || perGroup > MAX_PER_GROUP)
    throw invalid('perGroup', `perGroup must be an integer from 1 to ${MAX_PER_GROUP}`);
  if (!Number.isInteger(groups) || groups < 1 || groups > MAX_GROUPS)
    throw invalid('groups', `groups must be an integer from 1 to ${MAX_GROUPS}`);
  return { field, perGroup, groups, filter: validateFilter(options.filter) };
}

function invalid(field: string, message: string): CytoclipError {
  return new CytoclipError('invalid_argument', message, { status: 400, detail: { field, message } });
}

/**
 * The answer both stores give: of the groups found, the `groups` whose best hit is best, in ascending value, each
 * with its hits best first (ties by id) and at most `perGroup` of them.
 */
export function shapeGroups(found: PointGroup[], options: CheckedGroupOptions): PointGroup[] {
  const ranked = found
    .filter((g) => g.hits.length > 0)
    .map((g) => ({ ...g, hits: [...g.hits].sort(byScore).slice(0, options.perGroup) }))
    .sort((a, b) => byScore(a.hits[0]!, b.hits[0]!))
    .slice(0, options.groups);
  return ranked.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/** The value of the grouping field in a hit's payload. */
export function groupValue(hit: ScoredPoint, field: GroupField): string | number {
  return hit.payload[field];
}
