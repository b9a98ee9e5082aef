import type { Plane } from './atlas-types.js';

/** `dataset.json`'s format tag (formats.md §2). */
export const DATASET_FORMAT = 'cytoclip-dataset/1';

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** Which of the benchmark protocol's four test sets a test item belongs to, as the dataset builder records it. */
export type TestSet = 'seen' | 'held-out-age' | 'held-out-plane' | 'held-out-both';

/**
 * One line of a dataset's items.jsonl (formats.md §2): written by the atlas's dataset builder, read by the model's
 * evaluator (and the trainer, in Python). The optional fields are the builder's additions beyond §2.
 */
export interface DatasetItem {
  id: string;
  /** Relative to the dataset folder, e.g. `images/….png`. */
  image: string;
  region: string;
  specimen: string;
  gestationalWeek: number;
  plane: Plane;
  section: string;
  captions: string[];
  split: Split;
  testSet?: TestSet;
  atlas?: string;
  /** [x, y, width, height] on the section's level 0. */
  bbox?: [number, number, number, number];
  tissueFraction?: number;
  regionShare?: number;
}
