import { REGION_COUNT, acronymOf } from '../ontology.js';

export type Orientation = 'radial' | 'tangential' | 'random';

/** How a region's cells look in a NISSL stain at one age: the renderer draws exactly this, the tests count it. */
export interface CellSpec {
  /** Somata per mm² of section. */
  density: number;
  /** Mean soma radius (µm) along its long axis, and its relative spread. */
  radius: number;
  radiusSpread: number;
  /** Long axis / short axis. */
  elongation: number;
  orientation: Orientation;
  /** Peak optical density of a soma (cresyl violet). */
  stain: number;
  /** 0: even spacing; 1: strongly clustered (density varies by ±80% over ~40 µm). */
  clustering: number;
  /** Optical density of the neuropil between somata. */
  neuropil: number;
  /** Share of somata drawn as pyramidal neurons (triangular, pale nucleus, dark nucleolus). */
  pyramidal: number;
  /** Lamination: density multiplier by depth within the zone (0 pial edge … 1 inner edge), mean 1. */
  lamination?: (depth: number) => number;
}

const ramp = (w: number, w0: number, w1: number) => Math.max(0, Math.min(1, (w - w0) / (w1 - w0)));

/** Cortical layers from ~26 GW: a cell-sparse layer I, a granular layer IV of strength `granular`, layer V. */
function cortexLayers(week: number, granular: number, layerV: number): ((d: number) => number) | undefined {
  const m = ramp(week, 25, 32);
  if (m === 0) return undefined;
  const raw = (d: number) => {
    let f = 1;
    if (d < 0.08) f = 0.35;
    else if (d > 0.38 && d < 0.52) f = 1 + granular;
    else if (d >= 0.52 && d < 0.72) f = 1 - 0.35 * layerV;
    return 1 + m * (f - 1);
  };
  let mean = 0;
  for (let i = 0; i < 100; i++) mean += raw((i + 0.5) / 100);
  mean /= 100;
  return (d) => raw(d) / mean;
}

/**
 * Calibration against the reference scans (npm run atlas:sheet): nuclei reach an optical density of ~3 in red and
 * green (RGB ~(5, 10, 103) on (243, 243, 248) glass) while the fetal neuropil stays nearly as pale as the glass.
 * The table below is written in relative units; these gains map it onto the scans.
 */
const STAIN_GAIN = 1.6;
const NEUROPIL_GAIN = 0.3;

function base(partial: Partial<CellSpec>): CellSpec {
  const spec: CellSpec = {
    density: 3000,
    radius: 3.6,
    radiusSpread: 0.15,
    elongation: 1.15,
    orientation: 'random',
    stain: 1.7,
    clustering: 0.2,
    neuropil: 0.16,
    pyramidal: 0,
    ...partial,
  };
  return { ...spec, stain: spec.stain * STAIN_GAIN, neuropil: spec.neuropil * NEUROPIL_GAIN };
}

/**
 * An area's signature on its plate, present at every age so that a tile's label is decidable from the tile: an
 * exaggeration of the early protomap (real areal differences are subtle before ~26 GW), chosen for the benchmark.
 * `dense` scales density, `radius` adds to the soma radius, `granular` the layer-IV band and `big` the pyramidal share.
 */
interface AreaSignature {
  dense: number;
  radius: number;
  clustering: number;
  round?: boolean;
  granular: number;
  big: number;
  /** Pyramidal share before the layer-V ramp (M1's large pyramids show from the start). */
  earlyPyramidal?: number;
}

const AREAS: Readonly<Record<string, AreaSignature>> = {
  CP: { dense: 1, radius: 0, clustering: 0.25, granular: 0.5, big: 0.3 },
  PFC: { dense: 0.78, radius: 0.3, clustering: 0.7, granular: 0.2, big: 0.35 },
  M1: { dense: 0.55, radius: 1.4, clustering: 0.25, granular: 0, big: 0.8, earlyPyramidal: 0.3 },
  S1: { dense: 1.3, radius: -0.4, clustering: 0.25, granular: 0.8, big: 0.2 },
  A1: { dense: 1.3, radius: -0.4, clustering: 0, round: true, granular: 0.7, big: 0.2 },
  V1: { dense: 1.65, radius: -0.6, clustering: 0.1, granular: 1.3, big: 0.1 },
  V2: { dense: 1.3, radius: -0.3, clustering: 0.6, granular: 0.8, big: 0.15 },
  TCx: { dense: 0.78, radius: 0.8, clustering: 0, round: true, granular: 0.45, big: 0.3 },
  PCx: { dense: 1, radius: 0, clustering: 0.62, granular: 0.5, big: 0.3 },
  Ins: { dense: 0.6, radius: 0.9, clustering: 0.05, round: true, granular: 0.15, big: 0.3 },
};

function plate(week: number, area: AreaSignature): CellSpec {
  const density = (9500 - 4500 * ramp(week, 13, 40)) * area.dense;
  const elongation = area.round ? 1.1 : 1.6 - 0.3 * ramp(week, 26, 40);
  return base({
    density,
    radius: 3.3 + 1.2 * ramp(week, 18, 40) + area.radius,
    elongation,
    orientation: area.round ? 'random' : 'radial',
    stain: 1.8,
    clustering: area.clustering,
    neuropil: 0.2,
    pyramidal: Math.max(area.earlyPyramidal ?? 0, area.big * ramp(week, 24, 36)),
    lamination: cortexLayers(week, area.granular, area.big),
  });
}

export function cellSpec(acronym: string, week: number): CellSpec | null {
  const w = week;
  const area = AREAS[acronym];
  if (area) return plate(w, area);
  switch (acronym) {
    case 'MZ':
      return base({
        density: 900,
        radius: 4,
        elongation: 2.0,
        orientation: 'tangential',
        stain: 1.5,
        neuropil: 0.1,
        clustering: 0.1,
      });
    case 'SP':
      return base({
        density: 1400,
        radius: 5.2,
        radiusSpread: 0.25,
        elongation: 1.3,
        stain: 1.5,
        neuropil: 0.09,
        clustering: 0.35,
        pyramidal: 0.3,
      });
    case 'IZ':
      return base({
        density: 1900 - 600 * ramp(w, 28, 40),
        radius: 3.2,
        elongation: 1.8,
        orientation: 'tangential',
        stain: 1.5,
        neuropil: 0.13,
        clustering: 0.3,
      });
    case 'OSVZ':
      return base({
        density: 6200,
        radius: 3.0,
        elongation: 1.5,
        orientation: 'radial',
        stain: 1.8,
        clustering: 0.3,
        neuropil: 0.16,
      });
    case 'ISVZ':
      return base({ density: 8200, radius: 2.6, elongation: 1.1, stain: 1.9, clustering: 0.1, neuropil: 0.2 });
    case 'VZ':
      return base({
        density: 11500,
        radius: 3.3,
        elongation: 2.1,
        orientation: 'radial',
        stain: 2.0,
        clustering: 0.05,
        neuropil: 0.24,
      });
    case 'MGE':
      return base({ density: 12500, radius: 2.9, elongation: 1.05, stain: 2.0, clustering: 0.75, neuropil: 0.22 });
    case 'LGE':
      return base({ density: 10500, radius: 3.2, elongation: 1.05, stain: 2.0, clustering: 0.4, neuropil: 0.22 });
    case 'CGE':
      return base({ density: 7000, radius: 3.6, elongation: 1.05, stain: 1.95, clustering: 0.4, neuropil: 0.2 });
    case 'Cd':
      return base({ density: 5200, radius: 3.9, clustering: 0.35, neuropil: 0.17 });
    case 'Pu':
      return base({ density: 3500, radius: 4.6, clustering: 0.65, neuropil: 0.15 });
    case 'GP':
      return base({
        density: 1200,
        radius: 6.2,
        radiusSpread: 0.2,
        elongation: 1.6,
        stain: 1.6,
        neuropil: 0.1,
        clustering: 0.2,
      });
    case 'IC':
      return base({
        density: 800,
        radius: 3.2,
        elongation: 2.4,
        orientation: 'radial',
        stain: 1.5,
        neuropil: 0.09,
        clustering: 0.4,
      });
    case 'Th':
      return base({ density: 3300, radius: 5.4, radiusSpread: 0.2, clustering: 0.45, neuropil: 0.15 });
    case 'TRN':
      return base({
        density: 2600,
        radius: 4.8,
        elongation: 2.2,
        orientation: 'tangential',
        neuropil: 0.14,
        clustering: 0.2,
      });
    case 'Hy':
      return base({ density: 4600, radius: 3.4, clustering: 0.7, neuropil: 0.15 });
    case 'DG':
      return base({ density: 17000, radius: 2.7, elongation: 1.05, stain: 2.0, clustering: 0, neuropil: 0.2 });
    case 'CA':
      return base({
        density: 5200,
        radius: 5.2,
        elongation: 1.4,
        orientation: 'radial',
        neuropil: 0.14,
        clustering: 0.55,
        pyramidal: 0.5 * ramp(w, 20, 34),
        lamination: (d) => (d > 0.55 && d < 0.8 ? 3.2 : 0.42),
      });
    case 'ChP':
      return base({ density: 7500, radius: 5.4, elongation: 1.1, stain: 1.7, clustering: 0.8, neuropil: 0.28 });
    case 'CC':
      return base({
        density: 1700,
        radius: 3.0,
        elongation: 1.7,
        orientation: 'tangential',
        stain: 1.5,
        neuropil: 0.1,
        clustering: 0.05,
      });
    case 'EGL':
      return base({
        density: 13000,
        radius: 2.5,
        elongation: 2.0,
        orientation: 'tangential',
        stain: 2.1,
        clustering: 0,
        neuropil: 0.24,
      });
    case 'CbML':
      return base({ density: 600, radius: 3.0, stain: 1.5, neuropil: 0.11, clustering: 0.1 });
    case 'PCL':
      return base({
        density: 2800,
        radius: 7.0,
        radiusSpread: 0.15,
        elongation: 1.3,
        orientation: 'radial',
        stain: 1.6,
        pyramidal: 0.6,
        neuropil: 0.15,
      });
    case 'IGL':
      return base({ density: 14500, radius: 2.4, stain: 2.1, clustering: 0.35, neuropil: 0.22 });
    case 'CbWM':
      return base({ density: 1600, radius: 3.3, elongation: 1.3, stain: 1.6, neuropil: 0.12, clustering: 0.3 });
    case 'Mb':
      return base({ density: 2600, radius: 4.3, radiusSpread: 0.3, clustering: 0.15, pyramidal: 0.1 });
    case 'Pons':
      return base({
        density: 2500,
        radius: 3.6,
        elongation: 1.7,
        orientation: 'tangential',
        clustering: 0.45,
        neuropil: 0.13,
      });
    case 'Med':
      return base({
        density: 1800,
        radius: 5.2,
        radiusSpread: 0.35,
        clustering: 0.35,
        pyramidal: 0.15,
        neuropil: 0.13,
      });
    default:
      return null;
  }
}

/** Cell specs indexed by label-map value (index 0, glass, is null). */
export function cellSpecTable(week: number): (CellSpec | null)[] {
  const table: (CellSpec | null)[] = [null];
  for (let label = 1; label <= REGION_COUNT; label++) table.push(cellSpec(acronymOf(label)!, week));
  return table;
}
