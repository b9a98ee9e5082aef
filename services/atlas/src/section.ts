import type { Plane } from '@cytoclip/domain';
import { FetalBrain, newProbe } from './anatomy/brain.js';

/** Where a section lies and how it is pixelated. */
export interface SectionGeometry {
  plane: Plane;
  /** Position of the cut along the plane's normal axis, mm at the rendered scale (coronal: y, sagittal: x, axial: z). */
  offsetMm: number;
  micronsPerPixel: number;
  /** Level-0 image size in pixels, multiples of labelStep. */
  width: number;
  height: number;
  /** Brain-plane coordinates (mm) of the image's top-left corner. */
  originU: number;
  originV: number;
  /** The label map holds one label per labelStep × labelStep pixel block. */
  labelStep: number;
}

/** Maps image-plane (u right, v down, mm) to brain (x, y, z) mm. Sagittal: anterior to the right. Axial: anterior up. */
export function toBrain(plane: Plane, u: number, v: number, offset: number, out: [number, number, number]): void {
  if (plane === 'coronal') {
    out[0] = u;
    out[1] = offset;
    out[2] = -v;
  } else if (plane === 'sagittal') {
    out[0] = offset;
    out[1] = u;
    out[2] = -v;
  } else {
    out[0] = u;
    out[1] = -v;
    out[2] = offset;
  }
}

/** Level-0 pixel of a brain point on a section (fractional), or null when the point is not on the section's plane. */
export function toPixel(g: SectionGeometry, x: number, y: number, z: number): [number, number] {
  const [u, v] = g.plane === 'coronal' ? [x, -z] : g.plane === 'sagittal' ? [y, -z] : [x, -y];
  const k = 1000 / g.micronsPerPixel;
  return [(u - g.originU) * k, (v - g.originV) * k];
}

/** The plane's normal-axis range [min, max] in mm at the rendered scale. */
export function planeRange(brain: FetalBrain, plane: Plane): [number, number] {
  const b = brain.bounds();
  return plane === 'coronal' ? b.y : plane === 'sagittal' ? b.x : b.z;
}

function planeBox(brain: FetalBrain, plane: Plane): { u: [number, number]; v: [number, number] } {
  const b = brain.bounds();
  const neg = (r: [number, number]): [number, number] => [-r[1], -r[0]];
  if (plane === 'coronal') return { u: b.x, v: neg(b.z) };
  if (plane === 'sagittal') return { u: b.y, v: neg(b.z) };
  return { u: b.x, v: neg(b.y) };
}

/**
 * Lays out a section: samples the label function coarsely to find the tissue's bounding box, adds a margin of glass,
 * and optionally keeps only `window` (fractions [u0, v0, u1, v1] of that box) so a large section can be cropped.
 */
export function layoutSection(
  brain: FetalBrain,
  plane: Plane,
  position: number,
  micronsPerPixel: number,
  labelStep: number,
  window?: [number, number, number, number],
  windowMm?: [number, number, number, number],
): SectionGeometry {
  const [lo, hi] = planeRange(brain, plane);
  const offsetMm = lo + (hi - lo) * position;
  const box = planeBox(brain, plane);
  const probe = newProbe();
  const p: [number, number, number] = [0, 0, 0];
  const n = 160;
  let u0 = Infinity;
  let u1 = -Infinity;
  let v0 = Infinity;
  let v1 = -Infinity;
  for (let j = 0; j < n; j++) {
    const v = box.v[0] + ((box.v[1] - box.v[0]) * (j + 0.5)) / n;
    for (let i = 0; i < n; i++) {
      const u = box.u[0] + ((box.u[1] - box.u[0]) * (i + 0.5)) / n;
      toBrain(plane, u, v, offsetMm, p);
      if (brain.region(p[0], p[1], p[2], probe) === 0) continue;
      u0 = Math.min(u0, u);
      u1 = Math.max(u1, u);
      v0 = Math.min(v0, v);
      v1 = Math.max(v1, v);
    }
  }
  if (!Number.isFinite(u0)) [u0, u1, v0, v1] = [box.u[0], box.u[1], box.v[0], box.v[1]];
  const margin = 0.04 * Math.max(u1 - u0, v1 - v0) + 0.05;
  u0 -= margin;
  v0 -= margin;
  u1 += margin;
  v1 += margin;
  if (windowMm) [u0, v0, u1, v1] = windowMm;
  else if (window) {
    const [a, b, c, d] = window;
    [u0, v0, u1, v1] = [u0 + (u1 - u0) * a, v0 + (v1 - v0) * b, u0 + (u1 - u0) * c, v0 + (v1 - v0) * d];
  }
  const px = 1000 / micronsPerPixel;
  const width = Math.max(1, Math.ceil(((u1 - u0) * px) / labelStep)) * labelStep;
  const height = Math.max(1, Math.ceil(((v1 - v0) * px) / labelStep)) * labelStep;
  return { plane, offsetMm, micronsPerPixel, width, height, originU: u0, originV: v0, labelStep };
}

/** The section's label map: label, radial orientation (0–255 over 0–π in image space) and laminar depth per block. */
export interface LabelMap {
  width: number;
  height: number;
  step: number;
  label: Uint8Array;
  angle: Uint8Array;
  depth: Uint8Array;
}

export function computeLabelMap(brain: FetalBrain, g: SectionGeometry): LabelMap {
  const w = g.width / g.labelStep;
  const h = g.height / g.labelStep;
  const label = new Uint8Array(w * h);
  const angle = new Uint8Array(w * h);
  const depth = new Uint8Array(w * h);
  const probe = newProbe();
  const p: [number, number, number] = [0, 0, 0];
  const blockMm = (g.labelStep * g.micronsPerPixel) / 1000;
  for (let j = 0; j < h; j++) {
    const v = g.originV + (j + 0.5) * blockMm;
    for (let i = 0; i < w; i++) {
      const u = g.originU + (i + 0.5) * blockMm;
      toBrain(g.plane, u, v, g.offsetMm, p);
      const k = j * w + i;
      label[k] = brain.region(p[0], p[1], p[2], probe);
      angle[k] = radialAngle(g.plane, probe.rx, probe.ry, probe.rz);
      depth[k] = Math.max(0, Math.min(255, Math.round(probe.depth * 255)));
    }
  }
  return { width: w, height: h, step: g.labelStep, label, angle, depth };
}

/** The radial vector projected on the section, as an image-space orientation quantised to 0–255 over [0, π). */
function radialAngle(plane: Plane, rx: number, ry: number, rz: number): number {
  const [du, dv] = plane === 'coronal' ? [rx, -rz] : plane === 'sagittal' ? [ry, -rz] : [rx, -ry];
  let a = Math.atan2(dv, du);
  if (a < 0) a += Math.PI;
  return Math.min(255, Math.floor((a / Math.PI) * 256));
}
