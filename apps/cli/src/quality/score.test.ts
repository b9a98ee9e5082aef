import { describe, expect, it } from 'vitest';
import { drawSeeded, mulberry32 } from './score.js';

describe('seeded draws for find-similar', () => {
  const ids = Array.from({ length: 40 }, (_, i) => `tile-${String(i).padStart(2, '0')}`);

  it('draws the same distinct items for the same seed and region, whatever the input order', () => {
    const a = drawSeeded(ids, 5, 1, 'IZ');
    expect(new Set(a).size).toBe(5);
    expect(drawSeeded([...ids].reverse(), 5, 1, 'IZ')).toEqual(a);
    expect(a.every((id) => ids.includes(id))).toBe(true);
  });

  it('draws differently for another seed or another region, and everything from a small region', () => {
    const a = drawSeeded(ids, 5, 1, 'IZ');
    expect(drawSeeded(ids, 5, 2, 'IZ')).not.toEqual(a);
    expect(drawSeeded(ids, 5, 1, 'CP')).not.toEqual(a);
    expect(drawSeeded(ids.slice(0, 3), 5, 1, 'IZ').sort()).toEqual(ids.slice(0, 3));
  });

  it('mulberry32 is a fixed sequence in [0, 1)', () => {
    const r = mulberry32(1);
    const values = [r(), r(), r()];
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const again = mulberry32(1);
    expect([again(), again(), again()]).toEqual(values);
  });
});
