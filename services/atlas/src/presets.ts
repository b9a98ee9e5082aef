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

type Window = SectionPlan['window'];
const cut = (plane: Plane, position: number, window: Window): SectionPlan =>
  window ? { plane, position, window } : { plane, position };
const axial = (position: number, window?: Window) => cut('axial', position, window);
const sagittal = (position: number, window?: Window) => cut('sagittal', position, window);
/**
 * Axial sections through the base of the cerebellum, nearly tangential to its surface: they show its thin laminae
 * (EGL, CbML, PCL, IGL, each ~20 µm at the rendered scale) en face, where a section across them never lets one
 * dominate a 224 µm tile. Positions (on a 0.25 % grid, where the laminae fill the most tiles) never round to the
 * same section id (its index is the position in whole %).
 */
const cerebellarBase = (...positions: number[]): SectionPlan[] => positions.map((p) => axial(p));

/**
 * Revision 2 adds regional sections, most cropped (`window`) to the part that matters so generation stays fast: the
 * three whole sections per specimen left DG, CGE, IGL, Mb, Pons and Med without a tile and 11 more leaf regions
 * under 20. Now every leaf region has ≥ 20 tiles (224 µm, the ingest's grid and rule) across ≥ 2 ages
 * (test/presets.test.ts).
 */
const demo: Preset = {
  name: 'demo',
  revision: 2,
  description:
    'Six specimens from 14 to 39 GW: coronal, sagittal and axial whole sections, plus regional sections through the ' +
    'eminences, hippocampus, brainstem and cerebellum, at 2 µm/px: what `npm start` ingests.',
  atlasName: 'demo-fetal-nissl',
  micronsPerPixel: 2,
  labelStep: 4,
  lengthMm: (w) => 4.8 + 0.085 * (w - 14),
  specimens: [
    specimen('S01', 14, [
      ...all,
      axial(0.47, [0.16, 0.41, 0.84, 0.84]), // CGE, GP
      axial(0.53, [0.17, 0.3, 0.77, 0.62]), // MGE
      sagittal(0.51), // paramedian, tangential to the flat medial surface: MZ en face; brainstem
    ]),
    specimen('S02', 18, [
      ...all,
      axial(0.47, [0.11, 0.37, 0.84, 0.83]), // CGE, GP
      axial(0.545, [0.29, 0.28, 0.78, 0.7]), // MGE, TRN
    ]),
    specimen('S03', 22, [...all, ...cerebellarBase(0.14)]),
    specimen('S04', 27, [
      ...all,
      ...cerebellarBase(0.1275, 0.1375),
      sagittal(0.4875, [0.18, 0.29, 0.63, 1]), // paramedian, the brainstem's length: Mb, Pons, Med
      sagittal(0.96), // lateral surface: A1, Ins, MZ
    ]),
    specimen('S05', 33, [
      ...all,
      ...cerebellarBase(0.1225, 0.1275),
      axial(0.408, [0.3, 0.48, 0.66, 0.91]), // hippocampus (DG), midbrain
      sagittal(0.21, [0.34, 0.53, 0.61, 0.73]), // GP
      sagittal(0.4875, [0.16, 0.34, 0.63, 1]), // Mb, Pons, Med
      sagittal(0.95), // A1, Ins
      axial(0.95, [0.5, 0, 1, 0.46]), // right hemisphere's crown, the motor cortex en face: M1
    ]),
    specimen('S06', 39, [
      ...all,
      ...cerebellarBase(0.11, 0.12, 0.14),
      axial(0.3625, [0.39, 0.47, 0.6, 0.72]), // midbrain below the thalamus: Mb
      axial(0.41, [0.32, 0.58, 0.65, 0.92]), // DG
      axial(0.48, [0.12, 0.37, 0.84, 0.61]), // GP
      axial(0.53, [0.16, 0.33, 0.8, 0.73]), // Cd, TRN
    ]),
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
