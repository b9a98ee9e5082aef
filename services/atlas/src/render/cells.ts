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
    density: 3000, radius: 3.6, radiusSpread: 0.15, elongation: 1.15, orientation: 'random', stain: 1.7,
    clustering: 0.2, neuropil: 0.16, pyramidal: 0, ...partial,
  };
  return { ...spec, stain: spec.stain * STAIN_GAIN, neuropil: spec.neuropil * NEUROPIL_GAIN };
}

/** Cortical plate of an area: `dense` scales density, `granular` the layer-IV band, `big` the pyramidal share. */
function plate(week: number, dense: number, granular: number, big: number): CellSpec {
  const density = (9500 - 4500 * ramp(week, 13, 40)) * dense;
  return base({
    density, radius: 3.3 + 1.2 * ramp(week, 18, 40), elongation: 1.6 - 0.3 * ramp(week, 26, 40), orientation: 'radial',
    stain: 1.8, clustering: 0.25, neuropil: 0.2, pyramidal: big * ramp(week, 24, 36),
    lamination: cortexLayers(week, granular, big),
  });
}

export function cellSpec(acronym: string, week: number): CellSpec | null {
  const w = week;
  switch (acronym) {
    case 'MZ': return base({ density: 900, radius: 4, elongation: 2.0, orientation: 'tangential', stain: 1.5, neuropil: 0.1, clustering: 0.1 });
    case 'CP': return plate(w, 1, 0.5, 0.3);
    case 'PFC': return plate(w, 0.94, 0.2, 0.35);
    case 'M1': return plate(w, 0.86, 0, 0.8);
    case 'S1': return plate(w, 1.04, 0.8, 0.2);
    case 'A1': return plate(w, 1.03, 0.7, 0.2);
    case 'V1': return plate(w, 1.18, 1.3, 0.1);
    case 'V2': return plate(w, 1.08, 0.8, 0.15);
    case 'TCx': return plate(w, 0.98, 0.45, 0.3);
    case 'PCx': return plate(w, 1.0, 0.5, 0.3);
    case 'Ins': return plate(w, 0.95, 0.15, 0.3);
    case 'SP': return base({ density: 1400, radius: 5.2, radiusSpread: 0.25, elongation: 1.3, stain: 1.5, neuropil: 0.09, clustering: 0.35, pyramidal: 0.3 });
    case 'IZ': return base({ density: 1900 - 600 * ramp(w, 28, 40), radius: 3.2, elongation: 1.8, orientation: 'tangential', stain: 1.5, neuropil: 0.13, clustering: 0.3 });
    case 'OSVZ': return base({ density: 6200, radius: 3.4, elongation: 1.3, orientation: 'radial', stain: 1.8, clustering: 0.45, neuropil: 0.16 });
    case 'ISVZ': return base({ density: 8600, radius: 3.2, elongation: 1.1, stain: 1.9, clustering: 0.2, neuropil: 0.2 });
    case 'VZ': return base({ density: 11500, radius: 3.3, elongation: 1.7, orientation: 'radial', stain: 2.0, clustering: 0.05, neuropil: 0.24 });
    case 'MGE': return base({ density: 11000, radius: 2.9, elongation: 1.05, stain: 2.0, clustering: 0.5, neuropil: 0.22 });
    case 'LGE': return base({ density: 10000, radius: 2.9, elongation: 1.05, stain: 2.0, clustering: 0.3, neuropil: 0.22 });
    case 'CGE': return base({ density: 9800, radius: 3.0, elongation: 1.05, stain: 1.95, clustering: 0.2, neuropil: 0.2 });
    case 'Cd': return base({ density: 4600, radius: 4.2, clustering: 0.5, neuropil: 0.17 });
    case 'Pu': return base({ density: 4200, radius: 4.3, clustering: 0.6, neuropil: 0.15 });
    case 'GP': return base({ density: 1200, radius: 6.2, radiusSpread: 0.2, elongation: 1.6, stain: 1.6, neuropil: 0.1, clustering: 0.2 });
    case 'IC': return base({ density: 1000, radius: 3.0, elongation: 2.0, orientation: 'radial', stain: 1.5, neuropil: 0.09, clustering: 0.4 });
    case 'Th': return base({ density: 3200, radius: 4.8, radiusSpread: 0.2, clustering: 0.55, neuropil: 0.15 });
    case 'TRN': return base({ density: 2600, radius: 4.8, elongation: 2.2, orientation: 'tangential', neuropil: 0.14, clustering: 0.2 });
    case 'Hy': return base({ density: 3800, radius: 3.6, clustering: 0.6, neuropil: 0.15 });
    case 'DG': return base({ density: 10500, radius: 2.8, elongation: 1.05, stain: 2.0, clustering: 0.1, neuropil: 0.2 });
    case 'CA': return base({
      density: 3600, radius: 5.2, elongation: 1.4, orientation: 'radial', neuropil: 0.14, pyramidal: 0.5 * ramp(w, 20, 34),
      lamination: (d) => (d > 0.55 && d < 0.8 ? 3.2 : 0.42),
    });
    case 'ChP': return base({ density: 7000, radius: 3.5, elongation: 1.1, stain: 1.7, clustering: 0.7, neuropil: 0.28 });
    case 'CC': return base({ density: 1500, radius: 3.0, elongation: 2.0, orientation: 'radial', stain: 1.5, neuropil: 0.1, clustering: 0.4 });
    case 'EGL': return base({ density: 12000, radius: 2.6, elongation: 1.1, stain: 2.1, clustering: 0.05, neuropil: 0.24 });
    case 'CbML': return base({ density: 800, radius: 3.0, stain: 1.5, neuropil: 0.11, clustering: 0.1 });
    case 'PCL': return base({ density: 2800, radius: 7.0, radiusSpread: 0.15, elongation: 1.3, orientation: 'radial', stain: 1.6, pyramidal: 0.6, neuropil: 0.15 });
    case 'IGL': return base({ density: 11000, radius: 2.6, stain: 2.1, clustering: 0.3, neuropil: 0.22 });
    case 'CbWM': return base({ density: 1600, radius: 3.3, elongation: 1.3, stain: 1.6, neuropil: 0.12, clustering: 0.3 });
    case 'Mb': return base({ density: 2600, radius: 4.5, radiusSpread: 0.3, clustering: 0.35, pyramidal: 0.1 });
    case 'Pons': return base({ density: 3100, radius: 3.6, clustering: 0.6, neuropil: 0.13 });
    case 'Med': return base({ density: 2000, radius: 4.8, radiusSpread: 0.35, clustering: 0.35, pyramidal: 0.15, neuropil: 0.13 });
    default: return null;
  }
}

/** Cell specs indexed by label-map value (index 0, glass, is null). */
export function cellSpecTable(week: number): (CellSpec | null)[] {
  const table: (CellSpec | null)[] = [null];
  for (let label = 1; label <= REGION_COUNT; label++) table.push(cellSpec(acronymOf(label)!, week));
  return table;
}
