import type { DatasetItem, Split } from './dataset.js';

/** The benchmark's fixed protocol (formats.md §2): training never sees the held-out ages nor the held-out planes. */
export interface Protocol {
  heldOutAges: number[];
  heldOutPlanes: string[];
  /** The split whose non-held-out items form the "seen" test set (default 'test'). */
  split: Exclude<Split, 'train'>;
  /** Neighbours in kNN classification. */
  k: number;
}

export const DEFAULT_PROTOCOL: Protocol = { heldOutAges: [16, 21, 30], heldOutPlanes: ['axial'], split: 'test', k: 10 };

export const TEST_SETS = ['seen', 'held-out-ages', 'held-out-plane', 'both'] as const;
export type TestSetName = (typeof TEST_SETS)[number];

export function ageHeldOut(item: DatasetItem, protocol: Protocol): boolean {
  return protocol.heldOutAges.some((a) => Math.abs(item.gestationalWeek - a) < 1e-6);
}

export function planeHeldOut(item: DatasetItem, protocol: Protocol): boolean {
  return protocol.heldOutPlanes.includes(item.plane);
}

/**
 * The kNN gallery and the four test sets, decided from item metadata. Held-out items were never trained on, so
 * every split of them tests; "seen" takes the evaluated split of the others; the gallery is the others' train split.
 */
export function drawSets(
  items: DatasetItem[],
  protocol: Protocol,
): { gallery: DatasetItem[]; sets: Record<TestSetName, DatasetItem[]> } {
  const age = (i: DatasetItem) => ageHeldOut(i, protocol);
  const plane = (i: DatasetItem) => planeHeldOut(i, protocol);
  const seen = items.filter((i) => !age(i) && !plane(i));
  return {
    gallery: seen.filter((i) => i.split === 'train'),
    sets: {
      seen: seen.filter((i) => i.split === protocol.split),
      'held-out-ages': items.filter((i) => age(i) && !plane(i)),
      'held-out-plane': items.filter((i) => plane(i) && !age(i)),
      both: items.filter((i) => age(i) && plane(i)),
    },
  };
}
