import { describe, expect, it } from 'vitest';
import { main } from '@cytoclip/cli';
import { parseWeeks } from '../src/commands/search-options.js';

describe('search arguments', () => {
  it('reads week ranges', () => {
    expect(parseWeeks('18-24')).toEqual({ gte: 18, lte: 24 });
    expect(parseWeeks('21')).toEqual({ gte: 21, lte: 21 });
    expect(parseWeeks('18-')).toEqual({ gte: 18 });
    expect(parseWeeks('-24.5')).toEqual({ lte: 24.5 });
    expect(() => parseWeeks('early')).toThrow(/--week/);
  });

  it('rejects a bad plane and a missing query before opening any store', async () => {
    expect(await main(['search', 'cortex', '--plane', 'oblique'])).toBe(2);
    expect(await main(['search'])).toBe(2);
    expect(await main(['similar'])).toBe(2);
  });
});
