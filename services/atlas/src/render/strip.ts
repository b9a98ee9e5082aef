import { mulberry32, noise2 } from '../rng.js';
import type { LabelMap, SectionGeometry } from '../section.js';
import type { CellSpec } from './cells.js';
import { forEachSoma, MAX_CELL_REACH_UM, planCellField, type CellField, type Soma } from './cellfield.js';
import { drawArtefacts, lineDistance, type Line, type Nuisances, type SectionArtefacts } from './nuisance.js';

export interface RenderOptions {
  nuisances: Nuisances;
  /** Draw blood vessels (lumina with endothelial nuclei). */
  vessels: boolean;
}

interface Vessel {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  halfWidth: number;
}

/** Everything fixed for one section before its strips are rendered. */
export interface SectionRenderer {
  g: SectionGeometry;
  map: LabelMap;
  specs: (CellSpec | null)[];
  field: CellField;
  seed: number;
  art: SectionArtefacts;
  vessels: Vessel[];
  texture: Float32Array;
  neuropil: Float32Array;
}

const TEXTURE = 512;
const LUT_STEPS = 256;
const LUT_MAX_OD = 8;

export function prepareSection(
  g: SectionGeometry,
  map: LabelMap,
  specs: (CellSpec | null)[],
  seed: number,
  options: RenderOptions,
): SectionRenderer {
  const art = drawArtefacts(seed ^ 0x2545f491, g.width, g.height, g.micronsPerPixel, options.nuisances);
  const neuropil = new Float32Array(specs.length);
  specs.forEach((s, label) => (neuropil[label] = s?.neuropil ?? 0));
  return {
    g,
    map,
    specs,
    field: planCellField(specs),
    seed,
    art,
    vessels: options.vessels ? planVessels(g, map, seed) : [],
    texture: neuropilTexture(seed, g.micronsPerPixel),
    neuropil,
  };
}

/** Fine fibrillar neuropil texture, mean 1, tiled; sampled in µm so it looks the same at any scale. */
function neuropilTexture(seed: number, mpp: number): Float32Array {
  const t = new Float32Array(TEXTURE * TEXTURE);
  const s = Math.max(1, mpp);
  for (let y = 0; y < TEXTURE; y++) {
    for (let x = 0; x < TEXTURE; x++) {
      // Periodic over the table: sample on a torus so the tiling has no seam.
      const a = (x / TEXTURE) * 2 * Math.PI;
      const b = (y / TEXTURE) * 2 * Math.PI;
      const r = 32 / s;
      const n1 = noise2(seed + 1, Math.cos(a) * r + Math.sin(b) * 3, Math.sin(a) * r + Math.cos(b) * r);
      const n2 = noise2(seed + 2, Math.cos(a) * r * 3 + 5, Math.sin(b) * r * 3 + Math.sin(a));
      t[y * TEXTURE + x] = 0.7 + 0.4 * n1 + 0.2 * n2;
    }
  }
  return t;
}

function planVessels(g: SectionGeometry, map: LabelMap, seed: number): Vessel[] {
  const rnd = mulberry32(seed ^ 0x1b873593);
  const mm2 = (g.width * g.height * g.micronsPerPixel ** 2) / 1e6;
  const out: Vessel[] = [];
  const um = 1 / g.micronsPerPixel;
  const n = Math.round(mm2 * 2.5);
  for (let v = 0; v < n; v++) {
    const x0 = rnd() * g.width;
    const y0 = rnd() * g.height;
    const k = ((y0 / map.step) | 0) * map.width + ((x0 / map.step) | 0);
    const length = (60 + 260 * rnd()) * um;
    const halfWidth = (2.5 + 6 * rnd() * rnd()) * um;
    const turn = rnd();
    if (map.label[k] === 0) continue;
    // Penetrating vessels follow the radial direction, as in the cortical wall.
    const theta = (map.angle[k]! / 256) * Math.PI + (turn - 0.5) * 0.6;
    out.push({ x0, y0, x1: x0 + Math.cos(theta) * length, y1: y0 + Math.sin(theta) * length, halfWidth });
  }
  return out;
}

/** Renders rows [y0, y1) as 8-bit RGB. Strips are independent: any split of the rows gives the same pixels. */
export function renderStrip(r: SectionRenderer, y0: number, y1: number): Buffer {
  const { g, art } = r;
  const margin = art.blurSigma > 0 ? Math.ceil(art.blurSigma * 3) + 1 : 0;
  const top = Math.max(0, y0 - margin);
  const bottom = Math.min(g.height, y1 + margin);
  const w = g.width;
  const h = bottom - top;
  const cells = new Float32Array(w * h);
  const reach = MAX_CELL_REACH_UM / g.micronsPerPixel;
  forEachSoma(g, r.map, r.specs, r.field, r.seed, top - reach, bottom + reach, (s) =>
    drawSoma(cells, w, top, bottom, s),
  );
  const od = new Float32Array(w * h);
  const tissue = new Uint8Array(w * h);
  composeTissue(r, cells, od, tissue, top, h);
  drawVessels(r, od, top, bottom);
  applyPreparation(r, od, tissue, top, h);
  if (art.blurSigma > 0) blur(od, w, h, art.blurSigma);
  return toRgb(r, od, top, y0, y1);
}

/** Soma optical density, composited by maximum so neighbouring nuclei keep their own darkest point. */
function drawSoma(buf: Float32Array, w: number, top: number, bottom: number, s: Soma): void {
  if (s.a < 0.9) {
    // Smaller than a pixel (overview scales): the soma darkens its pixel by the share of it that it covers.
    const x = s.x | 0;
    const y = s.y | 0;
    if (y >= top && y < bottom && x < w)
      buf[(y - top) * w + x] = buf[(y - top) * w + x]! + s.stain * Math.min(1, Math.PI * s.a * s.b);
    return;
  }
  const reach = Math.max(s.a, s.b) + 1;
  const ya = Math.max(top, Math.floor(s.y - reach));
  const yb = Math.min(bottom - 1, Math.ceil(s.y + reach));
  const xa = Math.max(0, Math.floor(s.x - reach));
  const xb = Math.min(w - 1, Math.ceil(s.x + reach));
  const c = Math.cos(s.angle);
  const sn = Math.sin(s.angle);
  const soft = Math.max(1, s.b * 1.2);
  for (let y = ya; y <= yb; y++) {
    const dy = y + 0.5 - s.y;
    const row = (y - top) * w;
    for (let x = xa; x <= xb; x++) {
      const dx = x + 0.5 - s.x;
      const p = (dx * c + dy * sn) / s.a;
      let q = (-dx * sn + dy * c) / s.b;
      if (s.pyramidal) q /= Math.max(0.25, 1 - 0.5 * p);
      const qq = p * p + q * q;
      if (qq >= 1) continue;
      let v: number;
      if (s.pyramidal) {
        const nucleus = (p * p + q * q * 0.6) * 4.5;
        v = nucleus < 0.08 ? s.stain * 1.15 : nucleus < 1 ? s.stain * 0.42 : s.stain * (0.8 - 0.25 * qq);
      } else {
        v = s.stain * (1 - 0.4 * Math.pow(qq, 0.75));
      }
      v *= Math.min(1, (1 - qq) * soft);
      const k = row + x;
      if (v > buf[k]!) buf[k] = v;
    }
  }
}

function composeTissue(
  r: SectionRenderer,
  cells: Float32Array,
  od: Float32Array,
  tissue: Uint8Array,
  top: number,
  h: number,
): void {
  const { map, texture, neuropil } = r;
  const w = r.g.width;
  const step = map.step;
  for (let y = 0; y < h; y++) {
    const gy = y + top;
    const mrow = ((gy / step) | 0) * map.width;
    const trow = (gy & (TEXTURE - 1)) * TEXTURE;
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const label = map.label[mrow + ((x / step) | 0)]!;
      const k = row + x;
      if (label === 0) {
        od[k] = cells[k]! * 0.5;
        continue;
      }
      tissue[k] = 1;
      od[k] = neuropil[label]! * texture[trow + (x & (TEXTURE - 1))]! + cells[k]!;
    }
  }
}

function segmentDistance(v: Vessel, x: number, y: number): { d: number; t: number } {
  const vx = v.x1 - v.x0;
  const vy = v.y1 - v.y0;
  const len2 = vx * vx + vy * vy || 1;
  const t = Math.max(0, Math.min(1, ((x - v.x0) * vx + (y - v.y0) * vy) / len2));
  return { d: Math.hypot(x - v.x0 - t * vx, y - v.y0 - t * vy), t };
}

/** Vessels: a pale lumen, a thin stained wall and elongated endothelial nuclei along it. */
function drawVessels(r: SectionRenderer, od: Float32Array, top: number, bottom: number): void {
  const w = r.g.width;
  const um = 1 / r.g.micronsPerPixel;
  for (const v of r.vessels) {
    const pad = v.halfWidth + 3 * um;
    const ya = Math.max(top, Math.floor(Math.min(v.y0, v.y1) - pad));
    const yb = Math.min(bottom - 1, Math.ceil(Math.max(v.y0, v.y1) + pad));
    if (ya > yb) continue;
    const xa = Math.max(0, Math.floor(Math.min(v.x0, v.x1) - pad));
    const xb = Math.min(w - 1, Math.ceil(Math.max(v.x0, v.x1) + pad));
    const length = Math.hypot(v.x1 - v.x0, v.y1 - v.y0);
    for (let y = ya; y <= yb; y++) {
      for (let x = xa; x <= xb; x++) {
        const k = (y - top) * w + x;
        if (od[k] === 0) continue;
        const { d, t } = segmentDistance(v, x + 0.5, y + 0.5);
        if (d < v.halfWidth) od[k] = od[k]! * 0.3;
        else if (d < v.halfWidth + 2.5 * um) {
          // Endothelial nuclei every ~20 µm along the wall.
          const phase = ((t * length) / (20 * um)) % 1;
          od[k] = phase < 0.45 ? 2.2 : od[k]! + 0.1;
        }
      }
    }
  }
}

/** Columns [x0, x1) of row y within `reach` px of a line (its meander included), clipped to the section. */
function lineSpan(l: Line, y: number, reach: number, w: number): [number, number] {
  const r = reach + l.wander;
  const py = y - l.y;
  if (Math.abs(l.dy) < 1e-6) return Math.abs(py * l.dx) < r ? [0, w] : [0, 0];
  // across(x) = -(x - l.x)·dy + py·dx; |across| < r  ⇔  x in (l.x + (py·dx - r)/dy, l.x + (py·dx + r)/dy).
  const a = l.x + (py * l.dx - r) / l.dy;
  const b = l.x + (py * l.dx + r) / l.dy;
  return [Math.max(0, Math.floor(Math.min(a, b))), Math.min(w, Math.ceil(Math.max(a, b)) + 1)];
}

/** Folds (doubled tissue), tears (tissue lost), bubbles (a dark rim) and dust, in optical density. */
function applyPreparation(r: SectionRenderer, od: Float32Array, tissue: Uint8Array, top: number, h: number): void {
  const { art } = r;
  const w = r.g.width;
  for (let y = 0; y < h; y++) {
    const gy = y + top + 0.5;
    const row = y * w;
    for (const f of art.folds) {
      const [x0, x1] = lineSpan(f, gy, f.halfWidth, w);
      for (let x = x0; x < x1; x++)
        if (tissue[row + x] && lineDistance(f, x + 0.5, gy) < f.halfWidth) od[row + x] = od[row + x]! * 1.9 + 0.08;
    }
    for (const t of art.tears) {
      const [x0, x1] = lineSpan(t, gy, t.halfWidth, w);
      for (let x = x0; x < x1; x++) if (tissue[row + x] && lineDistance(t, x + 0.5, gy) < t.halfWidth) od[row + x] = 0;
    }
    for (const b of [...art.bubbles, ...art.dust]) {
      const dy = gy - b.y;
      if (Math.abs(dy) >= b.r) continue;
      const half = Math.sqrt(b.r * b.r - dy * dy);
      const x0 = Math.max(0, Math.floor(b.x - half));
      const x1 = Math.min(w, Math.ceil(b.x + half));
      const dust = art.dust.includes(b);
      for (let x = x0; x < x1; x++) {
        const dx = x + 0.5 - b.x;
        const d2 = dx * dx + dy * dy;
        if (dust) {
          if (d2 < b.r * b.r * (0.6 + 0.4 * Math.sin(Math.atan2(dy, dx) * 3 + b.r))) od[row + x] = od[row + x]! + 2.2;
        } else if (d2 < b.r * b.r) {
          od[row + x] = od[row + x]! * 0.9 + (Math.sqrt(d2) > b.r - 2 ? 0.45 : 0);
        }
      }
    }
  }
}

/** Three box blurs approximate a Gaussian of `sigma` px, separably. */
function blur(buf: Float32Array, w: number, h: number, sigma: number): void {
  const radius = Math.max(1, Math.round(sigma * 0.9));
  const tmp = new Float32Array(buf.length);
  for (let pass = 0; pass < 3; pass++) {
    boxRows(buf, tmp, w, h, radius);
    boxCols(tmp, buf, w, h, radius);
  }
}

function boxRows(src: Float32Array, dst: Float32Array, w: number, h: number, r: number): void {
  const n = 2 * r + 1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let acc = 0;
    for (let x = -r; x <= r; x++) acc += src[row + Math.min(w - 1, Math.max(0, x))]!;
    for (let x = 0; x < w; x++) {
      dst[row + x] = acc / n;
      acc += src[row + Math.min(w - 1, x + r + 1)]! - src[row + Math.max(0, x - r)]!;
    }
  }
}

function boxCols(src: Float32Array, dst: Float32Array, w: number, h: number, r: number): void {
  const n = 2 * r + 1;
  for (let x = 0; x < w; x++) {
    let acc = 0;
    for (let y = -r; y <= r; y++) acc += src[Math.min(h - 1, Math.max(0, y)) * w + x]!;
    for (let y = 0; y < h; y++) {
      dst[y * w + x] = acc / n;
      acc += src[Math.min(h - 1, y + r + 1) * w + x]! - src[Math.max(0, y - r) * w + x]!;
    }
  }
}

/** Beer–Lambert: glass colour × illumination × exp(−OD × stain colour), through per-channel lookup tables. */
function toRgb(r: SectionRenderer, od: Float32Array, top: number, y0: number, y1: number): Buffer {
  const { g, art } = r;
  const w = g.width;
  const out = Buffer.alloc(w * (y1 - y0) * 3);
  const luts = [0, 1, 2].map((c) => {
    const lut = new Float32Array(LUT_MAX_OD * LUT_STEPS + 1);
    for (let i = 0; i < lut.length; i++)
      lut[i] = art.glass[c]! * Math.exp(-(i / LUT_STEPS) * art.stainScale * art.stainRgb[c]!);
    return lut;
  });
  const [lr, lg, lb] = luts as [Float32Array, Float32Array, Float32Array];
  const last = LUT_MAX_OD * LUT_STEPS;
  for (let y = y0; y < y1; y++) {
    const fy = y / g.height - art.centre[1];
    const row = (y - top) * w;
    let o = (y - y0) * w * 3;
    for (let x = 0; x < w; x++) {
      const fx = x / w - art.centre[0];
      const light = 1 - art.vignette * 2 * (fx * fx + fy * fy) + art.gradient[0] * fx + art.gradient[1] * fy;
      const i = Math.min(last, (od[row + x]! * LUT_STEPS) | 0);
      out[o++] = Math.min(255, lr[i]! * light);
      out[o++] = Math.min(255, lg[i]! * light);
      out[o++] = Math.min(255, lb[i]! * light);
    }
  }
  return out;
}
