import { mulberry32 } from '../rng.js';

/** Artefacts of real slide preparation and scanning; each is seeded per section and can be switched off. */
export interface Nuisances {
  stain: boolean;
  illumination: boolean;
  blur: boolean;
  folds: boolean;
  tears: boolean;
  bubbles: boolean;
  dust: boolean;
  jpeg: boolean;
}

export const ALL_NUISANCES: Nuisances = {
  stain: true,
  illumination: true,
  blur: true,
  folds: true,
  tears: true,
  bubbles: true,
  dust: true,
  jpeg: true,
};
export const NO_NUISANCES: Nuisances = {
  stain: false,
  illumination: false,
  blur: false,
  folds: false,
  tears: false,
  bubbles: false,
  dust: false,
  jpeg: false,
};

export interface Line {
  /** Level-0 pixels: a point, a unit direction and a half-width. */
  x: number;
  y: number;
  dx: number;
  dy: number;
  halfWidth: number;
  /** Tears wander: amplitude (px) and wavelength (px) of their sideways meander. */
  wander: number;
  wavelength: number;
}

export interface Circle {
  x: number;
  y: number;
  r: number;
}

/** Everything random about one section's preparation, drawn once from the section's seed. */
export interface SectionArtefacts {
  /** Stain strength and the optical density per channel of one unit of cresyl violet. */
  stainScale: number;
  stainRgb: [number, number, number];
  /** Colour of bare glass under the lamp. */
  glass: [number, number, number];
  /** Illumination: vignetting strength, its centre (fractions), linear gradient. */
  vignette: number;
  centre: [number, number];
  gradient: [number, number];
  blurSigma: number;
  folds: Line[];
  tears: Line[];
  bubbles: Circle[];
  dust: Circle[];
  jpegQuality: number;
}

/** Cresyl violet on these scans: strong red/green absorption, weak blue (calibrated on the reference tiles). */
const STAIN_RGB: [number, number, number] = [1.05, 1.0, 0.28];
const GLASS: [number, number, number] = [243, 243, 248];

export function drawArtefacts(
  seed: number,
  width: number,
  height: number,
  micronsPerPixel: number,
  on: Nuisances,
): SectionArtefacts {
  const rnd = mulberry32(seed);
  const between = (a: number, b: number) => a + (b - a) * rnd();
  const um = (v: number) => v / micronsPerPixel;
  const line = (halfWidth: number, wander: number): Line => {
    const a = rnd() * Math.PI;
    return {
      x: between(0.2, 0.8) * width,
      y: between(0.2, 0.8) * height,
      dx: Math.cos(a),
      dy: Math.sin(a),
      halfWidth,
      wander,
      wavelength: um(between(300, 900)),
    };
  };
  const count = (max: number) => Math.floor(rnd() * (max + 1));
  // Draw every value whether or not it is used, so switching one nuisance off leaves the others unchanged.
  const stainScale = between(0.82, 1.18);
  const hue = [between(0.94, 1.06), between(0.94, 1.06), between(0.85, 1.15)];
  const glassTint = between(-4, 4);
  const vignette = between(0.04, 0.14);
  const centre: [number, number] = [between(0.3, 0.7), between(0.3, 0.7)];
  const gradient: [number, number] = [between(-0.06, 0.06), between(-0.06, 0.06)];
  const blurSigma = rnd() < 0.5 ? between(0.4, 1.4) : 0;
  const folds = Array.from({ length: rnd() < 0.35 ? 1 : 0 }, () => line(um(between(15, 60)), 0));
  const tears = Array.from({ length: rnd() < 0.4 ? 1 : 0 }, () => line(um(between(2, 8)), um(between(15, 60))));
  const bubbles = Array.from({ length: count(1) }, () => ({
    x: rnd() * width,
    y: rnd() * height,
    r: um(between(60, 300)),
  }));
  const area = (width * height * micronsPerPixel * micronsPerPixel) / 1e6;
  const dust = Array.from({ length: Math.min(60, Math.round(area * between(0.2, 1))) }, () => ({
    x: rnd() * width,
    y: rnd() * height,
    r: um(between(2, 9)),
  }));
  const jpegQuality = Math.round(between(72, 90));
  return {
    stainScale: on.stain ? stainScale : 1,
    stainRgb: on.stain ? [STAIN_RGB[0] * hue[0]!, STAIN_RGB[1] * hue[1]!, STAIN_RGB[2] * hue[2]!] : [...STAIN_RGB],
    glass: on.stain ? [GLASS[0] + glassTint, GLASS[1] + glassTint, GLASS[2] + glassTint / 2] : [...GLASS],
    vignette: on.illumination ? vignette : 0,
    centre,
    gradient: on.illumination ? gradient : [0, 0],
    blurSigma: on.blur ? blurSigma : 0,
    folds: on.folds ? folds : [],
    tears: on.tears ? tears : [],
    bubbles: on.bubbles ? bubbles : [],
    dust: on.dust ? dust : [],
    jpegQuality: on.jpeg ? jpegQuality : 92,
  };
}

/** Signed distance (px) of (x, y) from a line's centre, with a tear's meander. */
export function lineDistance(l: Line, x: number, y: number): number {
  const px = x - l.x;
  const py = y - l.y;
  const along = px * l.dx + py * l.dy;
  const across = -px * l.dy + py * l.dx;
  const meander = l.wander ? l.wander * Math.sin((along / l.wavelength) * 2 * Math.PI) : 0;
  return Math.abs(across - meander);
}
