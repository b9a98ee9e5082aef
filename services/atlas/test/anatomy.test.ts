import { describe, expect, it } from 'vitest';
import { FetalBrain, newProbe, planSection, REGION_ACRONYMS, toPixel, wallProfile, acronymOf } from '@cytoclip/atlas';

/** Regions (and their thickness, mm) met along a straight line from `from`, stopping at the first glass after tissue. */
function walk(brain: FetalBrain, from: number[], dir: number[], maxMm: number): Map<string, number> {
  const probe = newProbe();
  const step = 0.002;
  const out = new Map<string, number>();
  let entered = false;
  for (let t = 0; t < maxMm; t += step) {
    const label = brain.region(from[0]! + dir[0]! * t, from[1]! + dir[1]! * t, from[2]! + dir[2]! * t, probe);
    if (label === 0) {
      if (entered) break;
      continue;
    }
    entered = true;
    const acronym = acronymOf(label)!;
    out.set(acronym, (out.get(acronym) ?? 0) + step);
  }
  return out;
}

/** The dorsal wall, pia side: straight up from the hemisphere's centre. */
function dorsalProfile(week: number): Map<string, number> {
  const brain = new FetalBrain(week, 1);
  return walk(brain, [brain.cx, 0, brain.cz], [0, 0, 1], brain.az * 1.2);
}

/** The proliferative zones above the lateral ventricle's roof: straight up from inside the ventricle. */
function ventricularProfile(week: number): Map<string, number> {
  const brain = new FetalBrain(week, 1);
  return walk(brain, [0.3 * 2 * brain.ax, 0.05 * brain.ay, 0.12 * brain.az], [0, 0, 1], 8);
}

const AREAS = ['CP', 'PFC', 'M1', 'S1', 'A1', 'V1', 'V2', 'TCx', 'PCx', 'Ins'];
const plate = (p: Map<string, number>) => [...p].filter(([a]) => AREAS.includes(a)).reduce((s, [, t]) => s + t, 0);

describe('the 3D brain', () => {
  const weeks = [14, 18, 22, 25, 28, 32, 36, 40];
  const profiles = new Map(weeks.map((w) => [w, dorsalProfile(w)]));

  it('draws the cortical wall zones at the thickness of the age profile', () => {
    for (const week of [18, 25, 32]) {
      const expected = wallProfile(week);
      const pia = profiles.get(week)!;
      const ventricle = ventricularProfile(week);
      const near = (measured: number, zone: keyof typeof expected) => {
        expect(measured / expected[zone], `${zone} at ${week} GW`).toBeGreaterThan(0.85);
        expect(measured / expected[zone], `${zone} at ${week} GW`).toBeLessThan(1.15);
      };
      near(pia.get('MZ')!, 'MZ');
      near(plate(pia), 'CP');
      near(pia.get('SP')!, 'SP');
      near(ventricle.get('VZ')!, 'VZ');
      near(ventricle.get('ISVZ')!, 'ISVZ');
      near(ventricle.get('OSVZ')!, 'OSVZ');
    }
  });

  it('widens the subplate most at 22–28 GW, thins the VZ, grows the cortical plate', () => {
    const sp = weeks.map((w) => profiles.get(w)!.get('SP') ?? 0);
    const widest = weeks[sp.indexOf(Math.max(...sp))]!;
    expect(widest).toBeGreaterThanOrEqual(22);
    expect(widest).toBeLessThanOrEqual(28);
    const vz = weeks.map((w) => ventricularProfile(w).get('VZ') ?? 0);
    for (let i = 1; i < vz.length; i++) expect(vz[i]!).toBeLessThanOrEqual(vz[i - 1]! + 0.004);
    expect(vz[0]! / vz[vz.length - 1]!).toBeGreaterThan(10);
    expect(plate(profiles.get(36)!)).toBeGreaterThan(2 * plate(profiles.get(18)!));
  });

  it('grows the EGL from nothing at 13 GW and shrinks the ganglionic eminences', () => {
    const egl = (week: number) => {
      const brain = new FetalBrain(week, 1);
      const probe = newProbe();
      let n = 0;
      for (let z = -0.6 * brain.az; z > -1.2 * brain.az; z -= 0.005)
        if (acronymOf(brain.region(0.05, -0.74 * brain.ay, z, probe)) === 'EGL') n++;
      return n * 0.005;
    };
    expect(egl(13)).toBe(0);
    expect(egl(18)).toBeGreaterThan(0);
    expect(egl(36)).toBeGreaterThan(egl(18));
    const ge = (week: number) => {
      const brain = new FetalBrain(week, 1);
      const probe = newProbe();
      let n = 0;
      // Share of a coronal slab, so the brain's growth does not count.
      for (let i = 0; i < 80; i++)
        for (let j = 0; j < 80; j++)
          if (
            /GE$/.test(
              acronymOf(brain.region((2 * brain.ax * i) / 80, 0.12 * brain.ay, brain.az * (j / 40 - 1), probe)) ?? '',
            )
          )
            n++;
      return n / 6400;
    };
    expect(ge(14)).toBeGreaterThan(ge(24));
    expect(ge(24)).toBeGreaterThan(ge(32));
    expect(ge(37)).toBe(0);
  });

  it('shows every region of the ontology somewhere in the brain at 24 GW', () => {
    const brain = new FetalBrain(24, 1);
    const probe = newProbe();
    const seen = new Set<string>();
    const b = brain.bounds();
    for (let x = 0; x < b.x[1]; x += 0.25)
      for (let y = b.y[0]; y < b.y[1]; y += 0.25)
        for (let z = b.z[0]; z < b.z[1]; z += 0.25) seen.add(acronymOf(brain.region(x, y, z, probe)) ?? '');
    const leaves = [
      'MZ',
      'CP',
      'SP',
      'IZ',
      'OSVZ',
      'ISVZ',
      'VZ',
      'MGE',
      'LGE',
      'CGE',
      'Cd',
      'Pu',
      'GP',
      'IC',
      'Th',
      'TRN',
      'Hy',
      'DG',
      'CA',
      'ChP',
      'CC',
      'EGL',
      'V1',
      'S1',
      'M1',
      'A1',
      'PFC',
      'Mb',
      'Pons',
      'Med',
    ];
    for (const a of leaves) expect(seen.has(a), a).toBe(true);
    expect(REGION_ACRONYMS.length).toBeGreaterThanOrEqual(40);
  });

  it('gives a 3D point the same region on a coronal and on a sagittal section through it', () => {
    const request = {
      gestationalWeek: 22,
      micronsPerPixel: 40,
      lengthMm: 30,
      labelStep: 1,
      seed: 1,
      specimenSeed: 5,
    } as const;
    const coronal = planSection({ ...request, plane: 'coronal', position: 0.55 });
    const brain = coronal.brain;
    const probe = newProbe();
    const [lo, hi] = brain.bounds().x;
    let checked = 0;
    for (let k = 0; k < 12; k++) {
      const xMm = lo + ((hi - lo) * (k + 0.5)) / 12;
      const sagittal = planSection({ ...request, plane: 'sagittal', position: (xMm - lo) / (hi - lo) });
      const x = sagittal.geometry.offsetMm;
      const y = coronal.geometry.offsetMm;
      for (let z = brain.bounds().z[0]; z < brain.bounds().z[1]; z += 0.37) {
        const truth = brain.region(x, y, z, probe);
        const labelAt = (s: typeof coronal) => {
          const [px, py] = toPixel(s.geometry, x, y, z);
          const i = Math.floor(px);
          const j = Math.floor(py);
          if (i < 0 || j < 0 || i >= s.labels.width || j >= s.labels.height) return 0;
          return s.labels.label[j * s.labels.width + i]!;
        };
        // Compare away from region borders, where a pixel's centre and the point may straddle a boundary.
        const stable = [-0.02, 0.02].every((d) => brain.region(x + d, y + d, z + d, probe) === truth);
        if (!stable) continue;
        expect(labelAt(coronal)).toBe(truth);
        expect(labelAt(sagittal)).toBe(truth);
        if (truth !== 0) checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});
