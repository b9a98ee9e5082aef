import { describe, expect, it } from 'vitest';
import {
  acronymOf,
  cellSpec,
  FetalBrain,
  NO_NUISANCES,
  newProbe,
  planSection,
  renderWhole,
  sectionAnnotations,
  somaSpacing,
  type PlannedSection,
} from '@cytoclip/atlas';

const GLASS_GREEN = 243;

/** Somata counted from the image: darkest points of the green channel, one per soma spacing, per region. */
function countSomata(
  section: PlannedSection,
  rgb: Buffer,
  week: number,
): Map<string, { count: number; areaMm2: number }> {
  const { width: w, height: h, micronsPerPixel: mpp } = section.geometry;
  const labels = section.labels;
  const od = new Float32Array(w * h);
  for (let k = 0; k < w * h; k++) od[k] = -Math.log(Math.max(1, rgb[k * 3 + 1]!) / GLASS_GREEN);
  const labelAt = (x: number, y: number) =>
    labels.label[((y / labels.step) | 0) * labels.width + ((x / labels.step) | 0)]!;
  // Interior pixels: 10 µm from any other region, so a soma is judged where its region is certain.
  const margin = Math.ceil(10 / mpp / labels.step);
  const interior = (bx: number, by: number) => {
    const l = labels.label[by * labels.width + bx]!;
    for (let dy = -margin; dy <= margin; dy++)
      for (let dx = -margin; dx <= margin; dx++) {
        const x = bx + dx;
        const y = by + dy;
        if (x < 0 || y < 0 || x >= labels.width || y >= labels.height || labels.label[y * labels.width + x] !== l)
          return false;
      }
    return true;
  };
  const inner = new Uint8Array(labels.width * labels.height);
  const out = new Map<string, { count: number; areaMm2: number }>();
  for (let by = 0; by < labels.height; by++)
    for (let bx = 0; bx < labels.width; bx++) {
      if (!interior(bx, by)) continue;
      inner[by * labels.width + bx] = 1;
      const a = acronymOf(labels.label[by * labels.width + bx]!);
      if (!a) continue;
      const entry = out.get(a) ?? { count: 0, areaMm2: 0 };
      entry.areaMm2 += (labels.step * mpp) ** 2 / 1e6;
      out.set(a, entry);
    }
  const peaks: number[] = [];
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const k = y * w + x;
      const v = od[k]!;
      if (v < 0.9) continue;
      let max = true;
      for (let dy = -1; dy <= 1 && max; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const n = od[k + dy * w + dx]!;
          const earlier = dy < 0 || (dy === 0 && dx < 0);
          if (n > v || (earlier && n === v)) max = false;
        }
      if (max) peaks.push(k);
    }
  peaks.sort((a, b) => od[b]! - od[a]!);
  const accepted: number[] = [];
  for (const k of peaks) {
    const x = k % w;
    const y = (k / w) | 0;
    const a = acronymOf(labelAt(x, y));
    const spec = a ? cellSpec(a, week) : null;
    if (!spec) continue;
    const r = (0.28 * somaSpacing(spec)) / mpp;
    if (
      accepted.some(
        (j) =>
          Math.abs((j % w) - x) <= r &&
          Math.abs(((j / w) | 0) - y) <= r &&
          Math.hypot((j % w) - x, ((j / w) | 0) - y) < r,
      )
    )
      continue;
    accepted.push(k);
    if (!inner[((y / labels.step) | 0) * labels.width + ((x / labels.step) | 0)]) continue;
    out.get(a!)!.count++;
  }
  return out;
}

/** A 0.6-mm-wide vertical window of a true-size coronal section at 1 µm/px starting `topMm` below the pia at x. */
function wallWindow(week: number, x: number, topZ: number, depthMm: number): PlannedSection {
  return planSection({
    gestationalWeek: week,
    plane: 'coronal',
    position: 0.5,
    micronsPerPixel: 1,
    labelStep: 2,
    seed: 11,
    windowMm: [x - 0.3, -topZ, x + 0.3, -topZ + depthMm],
    nuisances: NO_NUISANCES,
    vessels: false,
  });
}

describe('the NISSL renderer', () => {
  it('draws each region at its specified cell density (counted from the image, within 15%)', () => {
    const week = 20;
    const brain = new FetalBrain(week, 1);
    const probe = newProbe();
    // The dorsal wall from the pia down, and the ventricle's roof from the ventricle up.
    const pia = brain.cz + brain.az;
    const lvx = 0.3 * 2 * brain.ax;
    let roof = 0.12 * brain.az;
    while (brain.region(lvx, 0, roof, probe) === 0) roof += 0.005;
    const windows = [wallWindow(week, brain.cx, pia + 0.02, 3.2), wallWindow(week, lvx, roof + 1.5, 1.6)];
    const checked = new Set<string>();
    for (const section of windows) {
      const counts = countSomata(section, renderWhole(section), week);
      for (const [acronym, { count, areaMm2 }] of counts) {
        const spec = cellSpec(acronym, week)!;
        if (areaMm2 < 0.04 || spec.lamination) continue;
        const expected = spec.density * areaMm2;
        expect(
          count / expected,
          `${acronym}: ${count} somata in ${areaMm2.toFixed(3)} mm², ${expected.toFixed(0)} expected`,
        ).toBeGreaterThan(0.85);
        expect(
          count / expected,
          `${acronym}: ${count} somata in ${areaMm2.toFixed(3)} mm², ${expected.toFixed(0)} expected`,
        ).toBeLessThan(1.15);
        checked.add(acronym);
      }
    }
    for (const a of ['SP', 'IZ', 'VZ', 'ISVZ', 'OSVZ']) expect(checked.has(a), `${a} was measured`).toBe(true);
  });

  it('annotates every tissue pixel with the region of the label map', () => {
    const section = planSection({
      gestationalWeek: 24,
      plane: 'coronal',
      position: 0.5,
      micronsPerPixel: 4,
      lengthMm: 6,
      seed: 3,
      nuisances: NO_NUISANCES,
    });
    const { labels } = section;
    const geojson = sectionAnnotations(labels);
    const drawn = new Int16Array(labels.width * labels.height).fill(-1);
    const names = new Map<string, number>();
    for (const f of geojson.features) {
      const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
      const rings = polygons.flat();
      names.set(f.properties.classification.name, names.size);
      // Even-odd scanline fill at block centres.
      for (let by = 0; by < labels.height; by++) {
        const y = (by + 0.5) * labels.step;
        const xs: number[] = [];
        for (const ring of rings)
          for (let i = 0; i + 1 < ring.length; i++) {
            const [x0, y0] = ring[i] as [number, number];
            const [x1, y1] = ring[i + 1] as [number, number];
            if (y0 > y !== y1 > y) xs.push(x0 + ((y - y0) * (x1 - x0)) / (y1 - y0));
          }
        xs.sort((a, b) => a - b);
        for (let i = 0; i + 1 < xs.length; i += 2) {
          for (let bx = Math.ceil(xs[i]! / labels.step - 0.5); (bx + 0.5) * labels.step < xs[i + 1]!; bx++) {
            const k = by * labels.width + bx;
            expect(drawn[k], 'polygons of two regions overlap').toBe(-1);
            drawn[k] = names.get(f.properties.classification.name)!;
          }
        }
      }
    }
    let tissue = 0;
    let agree = 0;
    for (let k = 0; k < drawn.length; k++) {
      const truth = acronymOf(labels.label[k]!);
      if (!truth) {
        expect(drawn[k]).toBe(-1);
        continue;
      }
      tissue++;
      if (drawn[k] === names.get(truth)) agree++;
    }
    expect(tissue).toBeGreaterThan(10_000);
    expect(agree / tissue).toBeGreaterThanOrEqual(0.999);
    // Tissue as the image shows it (stained pixels) lies inside the annotations.
    const rgb = renderWhole(section);
    const { width: w, height: h } = section.geometry;
    let stained = 0;
    let covered = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        if (rgb[(y * w + x) * 3 + 1]! > GLASS_GREEN - 12) continue;
        stained++;
        if (drawn[((y / labels.step) | 0) * labels.width + ((x / labels.step) | 0)]! >= 0) covered++;
      }
    expect(covered / stained).toBeGreaterThanOrEqual(0.95);
  });
});
