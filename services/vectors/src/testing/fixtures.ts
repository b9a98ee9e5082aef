import { DEFAULT_TILE_GRID, tileId, type Plane } from '@cytoclip/domain';
import { mulberry32 } from '../random.js';
import type { PointPayload, VectorPoint } from '../types.js';

/** Every store sees the same points: the package's PRNG, under the name the tests use. */
export const rng = mulberry32;

export function unit(values: number[] | Float32Array): Float32Array {
  const v = Float32Array.from(values);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export function randomUnit(random: () => number, dim: number): Float32Array {
  return unit(Array.from({ length: dim }, () => random() * 2 - 1));
}

/** Regions with their ancestors (a tiny ontology: Tel > Pal > CP | SP, Tel > GE). */
export const REGION_PATHS: Record<string, string[]> = {
  CP: ['Tel', 'Pal', 'CP'],
  SP: ['Tel', 'Pal', 'SP'],
  GE: ['Tel', 'GE'],
};

export interface FixtureSection {
  atlas: string;
  specimen: string;
  section: string;
  plane: Plane;
  gestationalWeek: number;
}

export const SECTIONS: FixtureSection[] = [
  { atlas: 'demo', specimen: 'S01', section: 'S01-cor-0001', plane: 'coronal', gestationalWeek: 16 },
  { atlas: 'demo', specimen: 'S01', section: 'S01-sag-0002', plane: 'sagittal', gestationalWeek: 16 },
  { atlas: 'demo', specimen: 'S02', section: 'S02-cor-0001', plane: 'coronal', gestationalWeek: 21 },
  { atlas: 'demo', specimen: 'S03', section: 'S03-axi-0001', plane: 'axial', gestationalWeek: 30.5 },
  { atlas: 'other', specimen: 'X01', section: 'X01-cor-0001', plane: 'coronal', gestationalWeek: 21 },
];

/** `perSection` tiles on each fixture section, regions cycling CP, SP, GE. */
export function makePoints(dim: number, perSection = 24, seed = 7): VectorPoint[] {
  const random = rng(seed);
  const regions = Object.keys(REGION_PATHS);
  return SECTIONS.flatMap((s) =>
    Array.from({ length: perSection }, (_, i) => {
      const region = regions[i % regions.length]!;
      const payload: PointPayload = { kind: 'tile', ...s, region, regionPath: REGION_PATHS[region]! };
      return {
        id: tileId(s.atlas, s.section, DEFAULT_TILE_GRID, i * 224, 0),
        vector: randomUnit(random, dim),
        payload,
      };
    }),
  );
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
