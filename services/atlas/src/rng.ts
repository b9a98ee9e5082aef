/**
 * Seeded, allocation-free randomness. Every random draw is a hash of integers (seed, section, bin, purpose), so a
 * cell's existence and shape do not depend on the order in which strips are rendered.
 */

/** 32-bit integer hash of up to four integers (a murmur-style finaliser). */
export function hash4(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ d, 0x165667b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

/** Uniform [0, 1) from a hash. */
export function unit(a: number, b: number, c: number, d: number): number {
  return hash4(a, b, c, d) / 4294967296;
}

/** A small sequential generator (mulberry32) for per-section decisions such as where a fold runs. */
export function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** Stable 32-bit hash of a string (FNV-1a), e.g. a section id mixed into a seed. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** 3D value noise in [0, 1), smooth, seeded; lattice spacing 1. */
export function noise3(seed: number, x: number, y: number, z: number): number {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  const zi = Math.floor(z);
  const u = smooth(x - xi);
  const v = smooth(y - yi);
  const w = smooth(z - zi);
  const c000 = unit(seed, xi, yi, zi);
  const c100 = unit(seed, xi + 1, yi, zi);
  const c010 = unit(seed, xi, yi + 1, zi);
  const c110 = unit(seed, xi + 1, yi + 1, zi);
  const c001 = unit(seed, xi, yi, zi + 1);
  const c101 = unit(seed, xi + 1, yi, zi + 1);
  const c011 = unit(seed, xi, yi + 1, zi + 1);
  const c111 = unit(seed, xi + 1, yi + 1, zi + 1);
  const x00 = c000 + (c100 - c000) * u;
  const x10 = c010 + (c110 - c010) * u;
  const x01 = c001 + (c101 - c001) * u;
  const x11 = c011 + (c111 - c011) * u;
  const y0 = x00 + (x10 - x00) * v;
  const y1 = x01 + (x11 - x01) * v;
  return y0 + (y1 - y0) * w;
}

/** 2D value noise in [0, 1). */
export function noise2(seed: number, x: number, y: number): number {
  return noise3(seed, x, y, 0.5);
}
