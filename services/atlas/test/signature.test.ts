import { describe, expect, it } from 'vitest';
import { cellSpec, REGION_ACRONYMS, separation } from '@cytoclip/atlas';

// The benchmark asks a model to name a tile's region from the tile alone; a pair of regions whose cells look alike
// would make that label a coin toss and cap every model's F1, whatever its training.
describe('region signatures', () => {
  const drawn = REGION_ACRONYMS.filter((a) => cellSpec(a, 20) !== null);

  it('draws every leaf region', () => {
    expect(drawn.length).toBeGreaterThanOrEqual(35);
  });

  it.each([14, 16, 18, 21, 24, 27, 30, 33, 36, 39])('tells every pair of regions apart on a tile at %i GW', (week) => {
    const alike: string[] = [];
    for (let i = 0; i < drawn.length; i++) {
      for (let j = i + 1; j < drawn.length; j++) {
        const s = separation(cellSpec(drawn[i]!, week)!, cellSpec(drawn[j]!, week)!);
        if (s < 1) alike.push(`${drawn[i]}/${drawn[j]} ${s.toFixed(2)}`);
      }
    }
    expect(alike).toEqual([]);
  });

  it('finds identical specs inseparable', () => {
    const cp = cellSpec('CP', 20)!;
    expect(separation(cp, { ...cp })).toBe(0);
    expect(separation(cp, { ...cp, density: cp.density * 1.3 })).toBeGreaterThan(1);
  });
});
