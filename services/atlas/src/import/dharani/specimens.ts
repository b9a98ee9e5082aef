import type { Plane } from '@cytoclip/domain';

export interface DharaniSpecimen {
  /** Age in post-conception weeks, as DHARANI gives it. */
  pcw: number;
  plane: Plane;
  notes: string;
}

/** DHARANI's five brains (its data tutorial, docs/Data.md): age and cutting plane. */
export const DHARANI_SPECIMENS: Readonly<Record<number, DharaniSpecimen>> = {
  1: { pcw: 14, plane: 'sagittal', notes: 'DHARANI specimen 1, sagittal series' },
  2: { pcw: 17, plane: 'sagittal', notes: 'DHARANI specimen 2, sagittal series' },
  3: { pcw: 21, plane: 'sagittal', notes: 'DHARANI specimen 3, sagittal series' },
  4: { pcw: 22, plane: 'coronal', notes: 'DHARANI specimen 4, coronal series' },
  5: { pcw: 24, plane: 'sagittal', notes: 'DHARANI specimen 5, near-sagittal series (recorded as sagittal)' },
};

/** Gestational weeks from post-conception weeks (formats.md §1: GW = pcw + 2). */
export const gestationalWeekOf = (pcw: number): number => pcw + 2;

/** DHARANI's spacing between consecutive section numbers. */
export const SECTION_SPACING_UM = 20;

export const specimenId = (n: number): string => `Specimen_${n}`;
export const sectionId = (n: number, section: number): string => `Specimen_${n}_${section}`;
