import { noise2, unit } from '../rng.js';
import type { LabelMap, SectionGeometry } from '../section.js';
import type { CellSpec } from './cells.js';

/** Candidate cell spacings (µm): each region samples somata on the grid whose bins hold at most one soma. */
const BIN_SIZES = [5, 6, 7, 8, 9, 10, 12, 14, 17, 20, 24, 30];
/** Largest soma half-length (µm) any region draws; strips look this far beyond their rows for overhanging cells. */
export const MAX_CELL_REACH_UM = 16;

export interface CellField {
  /** Bin size (µm) of each label's grid; 0 where the label has no cells. */
  binOf: Float64Array;
  /** Distinct bin sizes present. */
  sizes: number[];
}

/** The largest density multiplier a spec can reach through lamination, clustering and columns. */
function peakFactor(spec: CellSpec): number {
  let lam = 1;
  if (spec.lamination) for (let i = 0; i < 50; i++) lam = Math.max(lam, spec.lamination((i + 0.5) / 50));
  return lam * (1 + 0.8 * spec.clustering) * (spec.orientation === 'radial' ? 1.25 : 1);
}

export function planCellField(specs: (CellSpec | null)[]): CellField {
  const binOf = new Float64Array(specs.length);
  const sizes = new Set<number>();
  specs.forEach((spec, label) => {
    if (!spec) return;
    const peak = spec.density * peakFactor(spec);
    let size = BIN_SIZES[0]!;
    for (const b of BIN_SIZES) if ((peak * b * b) / 1e6 <= 0.95) size = b;
    binOf[label] = size;
    sizes.add(size);
  });
  return { binOf, sizes: [...sizes].sort((a, b) => a - b) };
}

/** One soma, in level-0 pixels. */
export interface Soma {
  x: number;
  y: number;
  /** Semi-axes (px) along and across `angle`. */
  a: number;
  b: number;
  angle: number;
  stain: number;
  pyramidal: boolean;
}

/**
 * Visits every soma whose centre lies in rows [y0, y1) of the section. A soma exists in bin (i, j) of its region's
 * grid with probability density × bin area × lamination × clustering × columns, decided by a hash of
 * (seed, i, j, grid): the same soma whatever the strip layout. Centres are jittered over 70% of a bin.
 */
export function forEachSoma(
  g: SectionGeometry,
  map: LabelMap,
  specs: (CellSpec | null)[],
  field: CellField,
  seed: number,
  y0: number,
  y1: number,
  visit: (soma: Soma) => void,
): void {
  const mpp = g.micronsPerPixel;
  const soma: Soma = { x: 0, y: 0, a: 0, b: 0, angle: 0, stain: 0, pyramidal: false };
  for (const size of field.sizes) {
    const bp = size / mpp;
    const salt = size * 131;
    const j0 = Math.max(0, Math.floor(y0 / bp));
    const j1 = Math.ceil(y1 / bp);
    const i1 = Math.ceil(g.width / bp);
    for (let j = j0; j < j1; j++) {
      for (let i = 0; i < i1; i++) {
        const cx = (i + 0.15 + 0.7 * unit(seed, i, j, salt)) * bp;
        const cy = (j + 0.15 + 0.7 * unit(seed, i, j, salt + 1)) * bp;
        if (cy < y0 || cy >= y1 || cx >= g.width) continue;
        const k = ((cy / map.step) | 0) * map.width + ((cx / map.step) | 0);
        const label = map.label[k]!;
        if (field.binOf[label] !== size) continue;
        const spec = specs[label]!;
        if (!place(spec, map, k, cx * mpp, cy * mpp, size, seed, i, j, salt)) continue;
        shape(spec, map.angle[k]!, mpp, seed, i, j, salt, soma);
        soma.x = cx;
        soma.y = cy;
        visit(soma);
      }
    }
  }
}

function place(
  spec: CellSpec,
  map: LabelMap,
  k: number,
  xUm: number,
  yUm: number,
  size: number,
  seed: number,
  i: number,
  j: number,
  salt: number,
): boolean {
  let p = (spec.density * size * size) / 1e6;
  if (spec.lamination) p *= spec.lamination(map.depth[k]! / 255);
  if (spec.clustering > 0) p *= 1 + 0.8 * spec.clustering * (2 * noise2(seed ^ 0x5bd1e995, xUm / 40, yUm / 40) - 1);
  if (spec.orientation === 'radial') {
    // Radial columns: density rises and falls across the radial direction with a ~22 µm period.
    const theta = (map.angle[k]! / 256) * Math.PI;
    const across = -xUm * Math.sin(theta) + yUm * Math.cos(theta);
    p *= 1 + 0.25 * Math.sin((across / 22) * 2 * Math.PI);
  }
  return unit(seed, i, j, salt + 2) < p;
}

function shape(
  spec: CellSpec,
  angleByte: number,
  mpp: number,
  seed: number,
  i: number,
  j: number,
  salt: number,
  out: Soma,
): void {
  const spread = (unit(seed, i, j, salt + 3) + unit(seed, i, j, salt + 4) - 1) * 1.7 * spec.radiusSpread;
  const radius = spec.radius * (1 + spread);
  const elongation = spec.elongation * (0.85 + 0.3 * unit(seed, i, j, salt + 5));
  const jitter = unit(seed, i, j, salt + 6) - 0.5;
  const radial = (angleByte / 256) * Math.PI;
  out.angle =
    spec.orientation === 'radial'
      ? radial + jitter * 0.5
      : spec.orientation === 'tangential'
        ? radial + Math.PI / 2 + jitter * 0.5
        : jitter * 2 * Math.PI;
  out.pyramidal = unit(seed, i, j, salt + 7) < spec.pyramidal;
  const grow = out.pyramidal ? 1.5 : 1;
  out.a = (radius * grow) / mpp;
  out.b = (radius * grow) / elongation / mpp;
  // Somata at different depths of the section: some in focus and dark, others paler.
  out.stain = spec.stain * (0.55 + 0.45 * Math.sqrt(unit(seed, i, j, salt + 8)));
}

/** Spacing (µm) of the sampling grid of a region's somata: two somata of the region lie at least 0.3 of it apart. */
export function somaSpacing(spec: CellSpec): number {
  return planCellField([null, spec]).binOf[1]!;
}
