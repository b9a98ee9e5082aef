import { labelOf } from '../ontology.js';
import { noise3 } from '../rng.js';
import * as G from './growth.js';

/** What the label function reports about one 3D point, written into a reused object (no per-call allocation). */
export interface Probe {
  /** Label-map value (ontology index + 1), 0 for glass / ventricle. */
  label: number;
  /** Unit vector normal to the nearest laminar surface (radial in the cortex), brain frame. */
  rx: number;
  ry: number;
  rz: number;
  /** 0 at the zone's outer (pial) edge, 1 at its inner edge: drives lamination within a zone. */
  depth: number;
}

export function newProbe(): Probe {
  return { label: 0, rx: 0, ry: 0, rz: 1, depth: 0.5 };
}

const L = Object.fromEntries(
  [
    'MZ',
    'CP',
    'SP',
    'IZ',
    'OSVZ',
    'ISVZ',
    'VZ',
    'PFC',
    'M1',
    'S1',
    'A1',
    'V1',
    'V2',
    'TCx',
    'PCx',
    'Ins',
    'MGE',
    'LGE',
    'CGE',
    'Cd',
    'Pu',
    'GP',
    'DG',
    'CA',
    'Th',
    'TRN',
    'Hy',
    'ChP',
    'CC',
    'IC',
    'EGL',
    'CbML',
    'PCL',
    'IGL',
    'CbWM',
    'Mb',
    'Pons',
    'Med',
  ].map((a) => [a, labelOf(a)]),
) as Record<string, number>;

/** Thin laminae keep at least this true thickness (mm) at the rendered scale, so each stays a few cells thick. */
const FLOOR_MM = { MZ: 0.02, VZ: 0.025, ISVZ: 0.025, EGL: 0.025, CbML: 0.02, PCL: 0.02, IGL: 0.025 } as const;

function ell(
  x: number,
  y: number,
  z: number,
  cx: number,
  cy: number,
  cz: number,
  sx: number,
  sy: number,
  sz: number,
): number {
  const a = (x - cx) / sx;
  const b = (y - cy) / sy;
  const c = (z - cz) / sz;
  return a * a + b * b + c * c;
}

/**
 * The procedural fetal brain at one gestational week: `region(x, y, z)` in millimetres is the single ground truth that
 * both the renderer and the annotations come from. Brain frame: x to the right, y anterior, z dorsal, origin at the
 * centre of the cerebrum. `anatomyScale` shrinks the whole anatomy (so that whole sections fit a tile budget) while
 * cells keep their true size; thin laminae keep a floor thickness (FLOOR_MM) so they stay resolvable.
 */
export class FetalBrain {
  readonly week: number;
  readonly scale: number;
  /** Hemisphere semi-axes and placement (mm, true size). */
  readonly ax: number;
  readonly ay: number;
  readonly az: number;
  readonly cx: number;
  readonly cz: number;
  private readonly zone: Record<G.WallZone, number>;
  private readonly wall: number;
  private readonly cb: Record<G.CbLayer, number>;
  private readonly ge: number;
  private readonly lvWidth: number;
  private readonly sulcus: number;
  private readonly sulcusFreq: number;
  private readonly sylvian: number;
  private readonly cbSize: number;
  private readonly folia: number;
  private readonly ccLength: number;
  private readonly seed: number;

  constructor(week: number, anatomyScale = 1, seed = 7) {
    this.week = week;
    this.scale = anatomyScale;
    this.seed = seed;
    const fod = G.interpolate(G.FRONTO_OCCIPITAL, week);
    this.ay = 0.46 * fod;
    this.ax = 0.19 * fod;
    this.az = 0.3 * fod;
    this.cx = this.ax + 0.006 * fod;
    this.cz = 0.05 * this.az;
    const floor = (mm: number) => mm / anatomyScale;
    this.zone = G.wallProfile(week);
    this.zone.MZ = Math.max(this.zone.MZ, floor(FLOOR_MM.MZ));
    this.zone.VZ = Math.max(this.zone.VZ, floor(FLOOR_MM.VZ));
    this.zone.ISVZ = Math.max(this.zone.ISVZ, floor(FLOOR_MM.ISVZ));
    this.wall = G.WALL_ZONES.reduce((sum, z) => sum + this.zone[z], 0);
    this.cb = {} as Record<G.CbLayer, number>;
    for (const layer of G.CB_LAYERS) {
      const t = G.interpolate(G.CB_THICKNESS[layer], week);
      this.cb[layer] = t > 0 ? Math.max(t, floor(FLOOR_MM[layer])) : 0;
    }
    this.ge = G.interpolate(G.GE_SIZE, week);
    this.lvWidth = G.interpolate(G.VENTRICLE_WIDTH, week);
    this.sulcus = G.interpolate(G.SULCUS_DEPTH, week);
    this.sulcusFreq = G.interpolate(G.SULCUS_FREQUENCY, week);
    this.sylvian = G.interpolate(G.SYLVIAN_DEPTH, week);
    this.cbSize = G.interpolate(G.CEREBELLUM_SIZE, week);
    this.folia = G.interpolate(G.FOLIA_DEPTH, week);
    this.ccLength = G.interpolate(G.CALLOSUM_LENGTH, week);
  }

  /** Bounding box of the brain at the rendered scale (mm): [min, max] per axis. */
  bounds(): { x: [number, number]; y: [number, number]; z: [number, number] } {
    const s = this.scale;
    const half = (this.cx + this.ax) * 1.02 * s;
    return {
      x: [-half, half],
      y: [-this.ay * 1.02 * s, this.ay * 1.02 * s],
      z: [-1.45 * this.az * s, (this.az + this.cz) * 1.02 * s],
    };
  }

  /** The region at (x, y, z) mm at the rendered scale; fills `out` and returns its label. */
  region(x: number, y: number, z: number, out: Probe): number {
    const s = this.scale;
    x /= s;
    y /= s;
    z /= s;
    out.depth = 0.5;
    out.rx = 0;
    out.ry = 0;
    out.rz = 1;
    const ax2 = 2 * this.ax;
    const X = Math.abs(x) / ax2;
    const Y = y / this.ay;
    const Z = z / this.az;
    const deep = this.deep(X, Y, Z, x, out);
    if (deep >= 0) return (out.label = deep);
    const cerebrum = this.cerebrum(x, y, z, X, Y, Z, out);
    if (cerebrum >= 0) return (out.label = cerebrum);
    return (out.label = this.hindbrain(x, y, z, out));
  }

  /** Subcortical structures, fibre tracts and the diencephalon; -1 when none. */
  private deep(X: number, Y: number, Z: number, x: number, out: Probe): number {
    // Corpus callosum: an arch across the midline over the lateral ventricles.
    if (X < 0.16) {
      const r = ell(0, Y, Z, 0, -0.05, 0.02, 1, 0.55 * this.ccLength, 0.36);
      if (r < 1 && r > 0.84 && Z > 0.05) {
        out.rx = 1;
        out.rz = 0;
        out.depth = (1 - r) / 0.16;
        return L.CC!;
      }
    }
    if (Z > 0.25 || Z < -0.8 || Y < -0.7 || Y > 0.6) return -1;
    // Third ventricle between the two diencephalic halves.
    const th = ell(X, Y, Z, 0.14, -0.2, -0.25, 0.12, 0.25, 0.2);
    if (X < 0.025 && Z < -0.05 && Y > -0.45 && Y < 0.3) return 0;
    if (th < 1) {
      this.radialFrom(X - 0.14, Y + 0.2, Z + 0.25, 0.12, 0.25, 0.2, x, out);
      return L.Th!;
    }
    if (th < 1.25 && X > 0.14 && Z > -0.4) {
      this.radialFrom(X - 0.14, Y + 0.2, Z + 0.25, 0.12, 0.25, 0.2, x, out);
      return L.TRN!;
    }
    if (ell(X, Y, Z, 0.07, 0.1, -0.55, 0.07, 0.17, 0.15) < 1) return L.Hy!;
    const hip = ell(X, Y, Z, 0.22, -0.45, -0.38, 0.08, 0.3, 0.1);
    if (hip < 1) {
      out.depth = Math.sqrt(hip);
      return ell(X, Y, Z, 0.2, -0.45, -0.4, 0.04, 0.28, 0.05) < 1 ? L.DG! : L.CA!;
    }
    const g = this.ge;
    if (g > 0) {
      if (ell(X, Y, Z, 0.36, 0.1, -0.12, 0.1 * g, 0.25 * g, 0.12 * g) < 1) return L.MGE!;
      if (ell(X, Y, Z, 0.42, 0.15, 0.02, 0.1 * g, 0.35 * g, 0.14 * g) < 1) return L.LGE!;
      if (ell(X, Y, Z, 0.4, -0.4, -0.25, 0.08 * g, 0.2 * g, 0.1 * g) < 1) return L.CGE!;
    }
    if (ell(X, Y, Z, 0.46, 0.12, -0.06, 0.08, 0.32, 0.12) < 1) return L.Cd!;
    const icX = 0.52 + 0.12 * Z;
    if (Math.abs(X - icX) < 0.035 && ell(0, Y, Z, 0, 0, -0.15, 1, 0.4, 0.32) < 1) {
      out.rx = 0.3;
      out.ry = 0.2;
      out.rz = 0.93;
      return L.IC!;
    }
    if (ell(X, Y, Z, 0.6, -0.02, -0.25, 0.04, 0.17, 0.1) < 1 && X < icX + 0.12) return L.GP!;
    if (ell(X, Y, Z, 0.66, 0.05, -0.2, 0.08, 0.32, 0.18) < 1) return L.Pu!;
    return -1;
  }

  private radialFrom(
    dx: number,
    dy: number,
    dz: number,
    sx: number,
    sy: number,
    sz: number,
    x: number,
    out: Probe,
  ): void {
    const gx = dx / (sx * sx);
    const gy = dy / (sy * sy);
    const gz = dz / (sz * sz);
    const n = Math.hypot(gx, gy, gz) || 1;
    out.rx = (x < 0 ? -gx : gx) / n;
    out.ry = gy / n;
    out.rz = gz / n;
  }

  /** Hemispheres: the cortical wall around the lateral ventricle; -1 outside the cerebrum. */
  private cerebrum(x: number, y: number, z: number, X: number, Y: number, Z: number, out: Probe): number {
    const dx = (Math.abs(x) - this.cx) / this.ax;
    const dy = y / this.ay;
    const dz = (z - this.cz) / this.az;
    // The medial surface is flattened against the falx: a degree-1 superellipsoid norm on the medial half.
    const r2 = dy * dy + dz * dz;
    const rho = dx < 0 ? Math.pow(dx * dx * dx * dx + r2 * r2, 0.25) : Math.sqrt(dx * dx + r2);
    if (rho > 1.02) return -1;
    const len = Math.hypot(Math.abs(x) - this.cx, y, z - this.cz);
    const nx = dx / (rho || 1);
    const ny = dy / (rho || 1);
    const nz = dz / (rho || 1);
    const surface = len / (rho || 1);
    const depth = surface * (1 - this.fold(nx, ny, nz)) - len;
    if (depth < 0) return -1;
    this.radialFrom(dx * this.ax, dy * this.ay, dz * this.az, this.ax, this.ay, this.az, x, out);
    // Distance to the ventricle: body + temporal horn, both narrowing with age.
    const v = this.lvWidth;
    const body = this.ventricleDistance(X, Y, Z, 0.3, 0.05, 0.12, 0.15 * v, 0.72, 0.28 * v);
    const horn = this.ventricleDistance(X, Y, Z, 0.36, -0.45, -0.3, 0.07 * v, 0.28, 0.08 * v);
    const fromVentricle = Math.min(body, horn);
    if (fromVentricle < 0) return this.insideVentricle(X, Y, Z);
    return this.wallZone(depth, fromVentricle, nx, ny, nz, x, out);
  }

  /** First-order distance (mm) outside the ellipsoid: (r − 1) / |∇r|, exact near its surface. */
  private ventricleDistance(
    X: number,
    Y: number,
    Z: number,
    cx: number,
    cy: number,
    cz: number,
    sx: number,
    sy: number,
    sz: number,
  ): number {
    const a = (X - cx) / sx;
    const b = (Y - cy) / sy;
    const c = (Z - cz) / sz;
    const r = Math.sqrt(a * a + b * b + c * c) || 1e-9;
    const gx = a / (sx * r * 2 * this.ax);
    const gy = b / (sy * r * this.ay);
    const gz = c / (sz * r * this.az);
    return (r - 1) / (Math.hypot(gx, gy, gz) || 1e-9);
  }

  private insideVentricle(X: number, Y: number, Z: number): number {
    const c = ell(X, Y, Z, 0.2, -0.1, 0.0, 0.07, 0.45, 0.1);
    if (c < 0.6 + 0.6 * noise3(this.seed + 11, X * 40, Y * 12, Z * 40)) return L.ChP!;
    return 0;
  }

  /** Wall zone from the pial depth and the distance to the ventricle (mm, true size). */
  private wallZone(
    depth: number,
    fromVentricle: number,
    nx: number,
    ny: number,
    nz: number,
    x: number,
    out: Probe,
  ): number {
    const t = this.zone;
    const total = depth + fromVentricle;
    // A wall thinner than the age profile is compressed proportionally; a thicker one widens the IZ.
    const k = total < this.wall ? total / this.wall : 1;
    let edge = t.VZ * k;
    if (fromVentricle < edge) return this.band(L.VZ!, fromVentricle, edge, out, true);
    if (fromVentricle < (edge += t.ISVZ * k))
      return this.band(L.ISVZ!, fromVentricle - edge + t.ISVZ * k, t.ISVZ * k, out, true);
    if (fromVentricle < (edge += t.OSVZ * k))
      return this.band(L.OSVZ!, fromVentricle - edge + t.OSVZ * k, t.OSVZ * k, out, true);
    if (depth < t.MZ * k) return this.band(L.MZ!, depth, t.MZ * k, out, false);
    if (depth < (t.MZ + t.CP) * k) {
      out.depth = (depth - t.MZ * k) / (t.CP * k);
      return this.area(nx, ny, nz, x);
    }
    if (depth < (t.MZ + t.CP + t.SP) * k) return this.band(L.SP!, depth - (t.MZ + t.CP) * k, t.SP * k, out, false);
    return L.IZ!;
  }

  private band(label: number, d: number, thickness: number, out: Probe, fromInside: boolean): number {
    const f = thickness > 0 ? d / thickness : 0.5;
    out.depth = fromInside ? 1 - f : f;
    return label;
  }

  /** The cortical area of the plate at surface direction n (unit ellipsoid coordinates). */
  private area(nx: number, ny: number, nz: number, x: number): number {
    const lateral = x >= 0 ? nx : -nx;
    if (lateral > 0.8 && Math.abs(nz + 0.1) < 0.14 && Math.abs(ny) < 0.25) return L.Ins!;
    if (ny < -0.82 && lateral < 0.4) return L.V1!;
    if (ny < -0.68) return L.V2!;
    if (ny > 0.62) return L.PFC!;
    if (nz > 0.45 && ny > 0.15 && ny < 0.42) return L.M1!;
    if (nz > 0.45 && ny > -0.12 && ny <= 0.13) return L.S1!;
    if (lateral > 0.62 && nz > -0.45 && nz < -0.05 && ny > -0.28 && ny < 0.15) return L.A1!;
    if (nz < -0.35 && lateral > 0.2) return L.TCx!;
    if (nz > 0.3 && ny > -0.62 && ny < -0.15) return L.PCx!;
    return L.CP!;
  }

  /** Sulci as narrow grooves along noise isolines, deepening with age, plus the Sylvian depression. */
  private fold(nx: number, ny: number, nz: number): number {
    let f = 0;
    if (this.sulcus > 0) {
      const q = this.sulcusFreq;
      const n = noise3(this.seed, nx * q + 10, ny * q + 10, nz * q + 10);
      // Narrow sulci along the noise's mid-level isolines, with rounded gyral crowns between them.
      const ridge = Math.max(0, 1 - Math.abs(n - 0.5) * 8);
      f += this.sulcus * ridge * (2 - ridge);
    }
    if (this.sylvian > 0 && Math.abs(nx) > 0.55) {
      const a = (nz + 0.1) / 0.16;
      const b = ny / 0.32;
      f += this.sylvian * Math.exp(-(a * a + b * b)) * Math.min(1, (Math.abs(nx) - 0.55) * 4);
    }
    return f;
  }

  /** Cerebellum and brainstem; 0 outside. */
  private hindbrain(x: number, y: number, z: number, out: Probe): number {
    const c = this.cbSize;
    const sx = 0.85 * this.ax * c;
    const sy = 0.22 * this.ay * c;
    const sz = 0.26 * this.az * c;
    // Tucked under the occipital lobe, behind the pons, so the vermis meets the brainstem at the midline.
    const cy = -0.6 * this.ay;
    const cz = -0.92 * this.az;
    const dx = x / sx;
    const dy = (y - cy) / sy;
    const dz = (z - cz) / sz;
    const rho = Math.sqrt(dx * dx + dy * dy + dz * dz);
    if (rho < 1) return this.cerebellum(x, y - cy, z - cz, rho, dx, dy, dz, sx, sy, sz, out);
    return this.brainstem(y, z, Math.abs(x));
  }

  private cerebellum(
    x: number,
    y: number,
    z: number,
    rho: number,
    dx: number,
    dy: number,
    dz: number,
    sx: number,
    sy: number,
    sz: number,
    out: Probe,
  ): number {
    const len = Math.hypot(x, y, z);
    const nx = dx / (rho || 1);
    const ny = dy / (rho || 1);
    const nz = dz / (rho || 1);
    // Folia: transverse ridges (across x), so the sagittal plane shows the arbor vitae.
    const phase = Math.atan2(nz, ny) * 9 + noise3(this.seed + 3, nx * 3, ny * 3, nz * 3) * 4;
    const groove = Math.pow(0.5 + 0.5 * Math.cos(phase), 6);
    const depth = (len / (rho || 1)) * (1 - this.folia * groove) - len;
    if (depth < 0) return 0;
    this.radialFrom(x, y, z, sx, sy, sz, 1, out);
    let edge = 0;
    for (const layer of G.CB_LAYERS) {
      const t = this.cb[layer];
      if (t > 0 && depth < edge + t) return this.band(L[layer]!, depth - edge, t, out, false);
      edge += t;
    }
    return L.CbWM!;
  }

  /** A tilted column: midbrain, pons (bulging ventrally) and medulla. */
  private brainstem(y: number, z: number, ax: number): number {
    const y0 = -0.15 * this.ay;
    const z0 = -0.2 * this.az;
    const y1 = -0.4 * this.ay;
    const z1 = -1.4 * this.az;
    const vy = y1 - y0;
    const vz = z1 - z0;
    const t = ((y - y0) * vy + (z - z0) * vz) / (vy * vy + vz * vz);
    if (t < 0 || t > 1) return 0;
    const py = y0 + t * vy;
    const pz = z0 + t * vz;
    const pons = t > 0.3 && t < 0.62 ? Math.sin(((t - 0.3) / 0.32) * Math.PI) : 0;
    const radius = 0.2 * this.az * (1 - 0.3 * t);
    // The pons bulges anteriorly (towards +y).
    const ventral = (y - py) * 0.9 > 0 ? 1 + 0.7 * pons : 1;
    const r = Math.hypot(ax / radius, (y - py) / (radius * ventral), (z - pz) / radius);
    if (r > 1) return 0;
    return t < 0.3 ? L.Mb! : t < 0.62 ? L.Pons! : L.Med!;
  }
}
