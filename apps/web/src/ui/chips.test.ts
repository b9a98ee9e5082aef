import { describe, expect, it } from 'vitest';
import { chipsOf } from './chips.js';
import { EMPTY_STATE } from './state.js';

describe('suggested filter chips', () => {
  const suggested = {
    gestationalWeek: { gte: 22, lte: 22 },
    planes: ['coronal' as const],
    specimens: ['S01'],
    regions: ['DG'],
  };

  it('offers each part of the suggestion, and what applying it changes', () => {
    expect(chipsOf(suggested, EMPTY_STATE).map((c) => [c.label, c.patch])).toEqual([
      ['22 GW', { weeks: [22, 22] }],
      ['coronal', { planes: ['coronal'] }],
      ['specimen S01', { specimens: ['S01'] }],
      ['DG', { regions: ['DG'] }],
    ]);
    expect(chipsOf({ gestationalWeek: { gte: 18, lte: 24 } }, EMPTY_STATE)[0]!.label).toBe('18–24 GW');
  });

  it('leaves out what the filters already hold, and adds to the rest', () => {
    const state = {
      ...EMPTY_STATE,
      weeks: [22, 22] as [number, number],
      planes: ['sagittal' as const],
      regions: ['DG'],
    };
    expect(chipsOf(suggested, state).map((c) => [c.key, c.patch])).toEqual([
      ['plane:coronal', { planes: ['sagittal', 'coronal'] }],
      ['specimen:S01', { specimens: ['S01'] }],
    ]);
    expect(chipsOf(null, state)).toEqual([]);
  });
});
