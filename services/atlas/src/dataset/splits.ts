import { createHash } from 'node:crypto';
import type { Plane, Specimen, Split, TestSet } from '@cytoclip/domain';

export type { Split, TestSet };

export interface SplitProtocol {
  /** Ages never trained on; default 16, 21, 30 GW (formats.md §2). */
  heldOutWeeks: number[];
  /** Planes never trained on; default axial. */
  heldOutPlanes: Plane[];
  /** Shares of the remaining specimens for validation and for the seen-ages test set. */
  val: number;
  test: number;
}

export const DEFAULT_PROTOCOL: SplitProtocol = {
  heldOutWeeks: [16, 21, 30],
  heldOutPlanes: ['axial'],
  val: 0.15,
  test: 0.15,
};

export interface SplitPlan {
  protocol: SplitProtocol;
  /** Split of each specimen for its sections in seen planes. */
  specimens: Record<string, Split>;
  assign(specimen: string, week: number, plane: Plane): { split: Split; testSet?: TestSet };
}

const heldOutWeek = (protocol: SplitProtocol, week: number) =>
  protocol.heldOutWeeks.some((w) => Math.abs(w - week) < 0.5);

/**
 * The fixed protocol: held-out ages and planes are test sets; the other specimens go whole to train, val or test
 * (ordered by a hash of their id, so the draw is stable and independent of manifest order). With 3 or more such
 * specimens at least one goes to val and one to test; training always keeps the most.
 */
export function planSplits(specimens: Specimen[], protocol: SplitProtocol = DEFAULT_PROTOCOL): SplitPlan {
  const eligible = specimens
    .filter((s) => !heldOutWeek(protocol, s.gestationalWeek))
    .map((s) => s.id)
    .sort((a, b) => digest(a).localeCompare(digest(b)));
  const n = eligible.length;
  const test = n >= 3 ? Math.max(1, Math.round(n * protocol.test)) : n === 2 ? 1 : 0;
  const val = n >= 3 ? Math.max(1, Math.round(n * protocol.val)) : 0;
  const bySpecimen: Record<string, Split> = {};
  eligible.forEach((id, i) => (bySpecimen[id] = i < test ? 'test' : i < test + val ? 'val' : 'train'));
  for (const s of specimens) bySpecimen[s.id] ??= 'test';
  return {
    protocol,
    specimens: bySpecimen,
    assign(specimen, week, plane) {
      const age = heldOutWeek(protocol, week);
      const held = protocol.heldOutPlanes.includes(plane);
      if (age && held) return { split: 'test', testSet: 'held-out-both' };
      if (age) return { split: 'test', testSet: 'held-out-age' };
      if (held) return { split: 'test', testSet: 'held-out-plane' };
      const split = bySpecimen[specimen] ?? 'train';
      return split === 'test' ? { split, testSet: 'seen' } : { split };
    },
  };
}

function digest(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}
