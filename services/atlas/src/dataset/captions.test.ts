import { describe, expect, it } from 'vitest';
import { composeCaptions, descriptors, planSplits } from '@cytoclip/atlas';

const CP = { id: 2, acronym: 'CP', name: 'cortical plate', parent: 'CWall', description: '', color: '#000' };
const WALL = { id: 1, acronym: 'CWall', name: 'cortical wall', parent: null, description: '', color: '#000' };
const input = {
  region: CP,
  parent: WALL,
  description:
    'A densely packed band of small, darkly stained, radially aligned immature neurons arranged in vertical columns.',
  gestationalWeek: 21,
  plane: 'sagittal' as const,
  variant: 'tile' as const,
};

describe('captions', () => {
  it('are deterministic per item and differ between items', () => {
    expect(composeCaptions(input, 'tile-a')).toEqual(composeCaptions(input, 'tile-a'));
    expect(composeCaptions(input, 'tile-a')).not.toEqual(composeCaptions(input, 'tile-b'));
  });

  it('use synonyms for the description’s density, size, staining, orientation and columns', () => {
    const found = descriptors(input.description, () => 0);
    expect(found).toEqual(
      expect.arrayContaining([
        'densely packed',
        'radially oriented',
        'columnar organisation',
        'small cells',
        'darkly stained',
      ]),
    );
    // Across items every synonym of a concept gets used, so the text encoder meets them all.
    const text = Array.from({ length: 60 }, (_, i) => composeCaptions(input, `t${i}`).join(' ')).join(' ');
    for (const word of [
      'hypercellular',
      'perpendicular to the pial surface',
      'hyperchromatic',
      'vertical cell columns',
      'parasagittal',
      'post-conception weeks',
      'second trimester',
      'cresyl violet',
    ])
      expect(text).toContain(word);
  });

  it('say nothing the description does not support', () => {
    const sparse = { ...input, description: 'A wide, cell-sparse zone of pale neuropil.' };
    const text = Array.from({ length: 30 }, (_, i) => composeCaptions(sparse, `s${i}`).join(' ')).join(' ');
    expect(text).not.toMatch(/densely packed|hypercellular|radial|columnar/);
    expect(text).toMatch(/hypocellular|cell-sparse|low cell density|sparsely populated/);
  });
});

describe('planSplits', () => {
  const specimens = [14, 18, 20, 23, 25, 27, 33, 16, 21, 30].map((w, i) => ({ id: `B${i}`, gestationalWeek: w }));

  it('sends held-out ages and planes to their test sets and the rest by specimen', () => {
    const plan = planSplits(specimens);
    expect(plan.assign('B7', 16, 'coronal')).toEqual({ split: 'test', testSet: 'held-out-age' });
    expect(plan.assign('B9', 30, 'axial')).toEqual({ split: 'test', testSet: 'held-out-both' });
    expect(plan.assign('B0', 14, 'axial')).toEqual({ split: 'test', testSet: 'held-out-plane' });
    const seen = specimens.slice(0, 7).map((s) => plan.specimens[s.id]);
    expect(seen.filter((s) => s === 'test')).toHaveLength(1);
    expect(seen.filter((s) => s === 'val')).toHaveLength(1);
    expect(seen.filter((s) => s === 'train')).toHaveLength(5);
  });

  it('is independent of specimen order and honours a custom protocol', () => {
    const a = planSplits(specimens).specimens;
    const b = planSplits([...specimens].reverse()).specimens;
    expect(a).toEqual(b);
    const custom = planSplits(specimens, { heldOutWeeks: [], heldOutPlanes: [], val: 0.2, test: 0.2 });
    expect(custom.assign('B7', 16, 'axial').split).not.toBe(undefined);
    expect(Object.values(custom.specimens).filter((s) => s === 'train')).toHaveLength(6);
  });
});

describe('caption vocabulary and negation', () => {
  it('does not call agranular or dysgranular cortex granular', () => {
    const m1 = 'Agranular cortex without a granular layer IV, with large pyramidal cells in a broad layer V.';
    expect(descriptors(m1, () => 0)).not.toContain('granular');
    expect(descriptors(m1, () => 0)).toContain('agranular');
    expect(descriptors('A dysgranular cortex with a thin, weakly granular layer IV.', () => 0)).not.toContain(
      'granular',
    );
    expect(descriptors('Granular koniocortex with a dense layer IV of small granule cells.', () => 0)).toContain(
      'granular',
    );
  });
});

describe('caption wording', () => {
  it('never doubles a word ("fetal fetal", "plane plane")', () => {
    for (const plane of ['coronal', 'sagittal', 'axial'] as const)
      for (const week of [14, 22, 30, 38])
        for (let i = 0; i < 20; i++) {
          for (const caption of composeCaptions({ ...input, plane, gestationalWeek: week }, `w${i}`))
            expect(caption).not.toMatch(/\b(\w+)[ -]\1\b/i);
        }
  });
});
