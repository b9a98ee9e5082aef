import type { Plane } from '@cytoclip/domain';
import { ALL_NUISANCES, type Nuisances } from './render/nuisance.js';

export interface SectionPlan {
  plane: Plane;
  /** Where along the plane's normal axis (0–1 of the brain's extent) the section is cut. */
  position: number;
  /** Crop: fractions [u0, v0, u1, v1] of the section's tissue box. */
  window?: [number, number, number, number];
}

export interface SpecimenPlan {
  id: string;
  gestationalWeek: number;
  sections: SectionPlan[];
}

export interface Preset {
  name: string;
  /**
   * The section plan's revision: bumped when the preset cuts other sections (same renderer, other output), recorded
   * in atlas.json as `generator.presetRevision`. GENERATOR_VERSION is the renderer's and stays put for such a change.
   */
  revision: number;
  description: string;
  atlasName: string;
  micronsPerPixel: number;
  /** Pixels per label-map block: the resolution of the ground truth and of the annotation polygons. */
  labelStep: number;
  /** Rendered fronto-occipital length (mm) at a week: anatomy is scaled to it, cells keep their true size. */
  lengthMm: (week: number) => number;
  specimens: SpecimenPlan[];
  /** The section plan used when a caller asks for other weeks. */
  defaultSections: SectionPlan[];
  nuisances: Nuisances;
  vessels: boolean;
}

const all: SectionPlan[] = [
  { plane: 'coronal', position: 0.5 },
  { plane: 'sagittal', position: 0.38 },
  { plane: 'axial', position: 0.62 },
];

const specimen = (id: string, gestationalWeek: number, sections: SectionPlan[]): SpecimenPlan => ({
  id,
  gestationalWeek,
  sections,
});

const tiny: Preset = {
  name: 'tiny',
  revision: 1,
  description: 'Three small specimens (15, 22, 31 GW), five sections at 2 µm/px: for unit tests of every service.',
  atlasName: 'tiny-fetal-nissl',
  micronsPerPixel: 2,
  labelStep: 4,
  lengthMm: () => 2.4,
  specimens: [
    specimen('T01', 15, [
      { plane: 'coronal', position: 0.5 },
      { plane: 'sagittal', position: 0.38 },
    ]),
    specimen('T02', 22, [
      { plane: 'coronal', position: 0.45 },
      { plane: 'axial', position: 0.62 },
    ]),
    specimen('T03', 31, [{ plane: 'sagittal', position: 0.4 }]),
  ],
  defaultSections: all,
  nuisances: ALL_NUISANCES,
  vessels: true,
};

const demo: Preset = {
  name: 'demo',
  revision: 1,
  description:
    'Six specimens from 14 to 39 GW, coronal, sagittal and axial sections at 2 µm/px: what `npm start` ingests.',
  atlasName: 'demo-fetal-nissl',
  micronsPerPixel: 2,
  labelStep: 4,
  lengthMm: (w) => 4.8 + 0.085 * (w - 14),
  specimens: [
    specimen('S01', 14, all),
    specimen('S02', 18, all),
    specimen('S03', 22, all),
    specimen('S04', 27, all),
    specimen('S05', 33, all),
    specimen('S06', 39, all),
  ],
  defaultSections: all,
  nuisances: ALL_NUISANCES,
  vessels: true,
};

const trainPlanes: SectionPlan[] = [
  { plane: 'coronal', position: 0.4 },
  { plane: 'coronal', position: 0.6 },
  { plane: 'sagittal', position: 0.32 },
  { plane: 'sagittal', position: 0.4 },
];
const testPlanes: SectionPlan[] = [
  ...trainPlanes,
  { plane: 'axial', position: 0.58 },
  { plane: 'axial', position: 0.7 },
];

const benchmark: Preset = {
  name: 'benchmark',
  revision: 1,
  description:
    'The fixed protocol of formats.md §2: specimens at ages other than 16, 21 and 30 GW in coronal and sagittal planes for training, ' +
    'other specimens at seen ages, held-out-age specimens (16, 21, 30 GW) and axial sections for testing.',
  atlasName: 'benchmark-fetal-nissl',
  micronsPerPixel: 2,
  labelStep: 4,
  lengthMm: (w) => 4.8 + 0.085 * (w - 14),
  specimens: [
    ...[14, 18, 20, 23, 25, 27, 33, 38].map((w, k) => specimen(`B${String(k + 1).padStart(2, '0')}`, w, testPlanes)),
    ...[19, 26, 35].map((w, k) => specimen(`B${String(k + 9).padStart(2, '0')}`, w, testPlanes)),
    ...[16, 21, 30].map((w, k) => specimen(`H${String(k + 1).padStart(2, '0')}`, w, testPlanes)),
  ],
  defaultSections: testPlanes,
  nuisances: ALL_NUISANCES,
  vessels: true,
};

export const PRESETS: Readonly<Record<string, Preset>> = { tiny, demo, benchmark };
/** Ages the benchmark never trains on (formats.md §2). */
export const HELD_OUT_WEEKS = [16, 21, 30] as const;
