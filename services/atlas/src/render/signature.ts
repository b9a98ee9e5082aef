import type { CellSpec } from './cells.js';

/**
 * What a 224 µm tile can tell about a region's cells, whatever the tile's rotation and the section's stain:
 * how many somata, how big, how aligned, how clustered, how many pyramids. Stain and neuropil density are left
 * out because the stain nuisance varies them by ±18% between sections.
 */
export interface TileSignature {
  logDensity: number;
  radius: number;
  /** Elongation of aligned cells; random orientations read as round at this scale. */
  alignedElongation: number;
  clustering: number;
  pyramidal: number;
}

export function tileSignature(spec: CellSpec): TileSignature {
  const aligned = spec.orientation !== 'random';
  return {
    logDensity: Math.log(spec.density),
    radius: spec.radius * (1 + 0.5 * spec.pyramidal),
    alignedElongation: aligned ? spec.elongation : 1,
    clustering: spec.clustering,
    pyramidal: spec.pyramidal,
  };
}

/** Just-noticeable differences on a tile of the benchmark (2 µm/px, 112 px): one unit on any axis tells two regions apart. */
const JND: TileSignature = {
  logDensity: 0.22,
  radius: 0.55,
  alignedElongation: 0.35,
  clustering: 0.25,
  pyramidal: 0.25,
};

/** How far apart two regions' tiles look, in just-noticeable differences along the most telling axis. */
export function separation(a: CellSpec, b: CellSpec): number {
  const sa = tileSignature(a);
  const sb = tileSignature(b);
  let best = 0;
  for (const key of Object.keys(JND) as (keyof TileSignature)[])
    best = Math.max(best, Math.abs(sa[key] - sb[key]) / JND[key]);
  return best;
}
