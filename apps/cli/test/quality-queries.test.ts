import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/support/index.js';
import { parseQuerySet, readQuerySet } from '../src/quality/queries.js';

describe('query sets', () => {
  it('reads lines with regions, split, source and an optional filter; blank lines are skipped', () => {
    const set = parseQuerySet(
      [
        '{"text": " striate cortex ", "regions": ["V1"], "split": "dev", "source": "NeuroNames"}',
        '',
        '{"text": "fascia dentata", "regions": ["DG", "CA"], "split": "test", "source": ["a", "b"], "filter": {"planes": ["coronal"], "gestationalWeek": {"gte": 20}}}',
      ].join('\n'),
      'q.jsonl',
    );
    expect(set).toEqual([
      { text: 'striate cortex', regions: ['V1'], split: 'dev', source: 'NeuroNames', line: 1 },
      {
        text: 'fascia dentata',
        regions: ['DG', 'CA'],
        split: 'test',
        source: ['a', 'b'],
        filter: { planes: ['coronal'], gestationalWeek: { gte: 20 } },
        line: 3,
      },
    ]);
  });

  it.each([
    ['not json', /line 1: not JSON/],
    ['{"text": "", "regions": ["V1"], "split": "dev"}', /"text" must be a non-empty string/],
    ['{"text": "x", "regions": [], "split": "dev"}', /"regions" must be a non-empty list/],
    ['{"text": "x", "regions": ["V1"], "split": "train"}', /"split" must be "dev" or "test"/],
    ['{"text": "x", "regions": ["V1"], "split": "dev", "regoins": 1}', /unknown field "regoins"/],
    ['{"text": "x", "regions": ["V1"], "split": "dev", "filter": {"planes": ["oblique"]}}', /filter.planes/],
    ['{"text": "x", "regions": ["V1"], "split": "dev", "filter": {"specimen": "S1"}}', /unknown filter field/],
  ])('refuses %s naming the line and the field', (line, message) => {
    expect(() => parseQuerySet(line, 'q.jsonl')).toThrow(message);
  });

  it('refuses an empty set and a missing file as usage errors', async () => {
    expect(() => parseQuerySet('\n\n', 'q.jsonl')).toThrow(/holds no queries/);
    await expect(readQuerySet('/nonexistent/q.jsonl')).rejects.toMatchObject({ status: 400, code: 'file_not_found' });
  });

  // The repository's held-out query set: only that it parses (its content is never looked at here).
  const committed = join(REPO_ROOT, 'test/queries/neuroanatomy.jsonl');
  it.skipIf(!existsSync(committed))('parses test/queries/neuroanatomy.jsonl', async () => {
    const set = await readQuerySet(committed);
    expect(set.length).toBeGreaterThan(0);
    expect(new Set(set.map((q) => q.split))).toEqual(new Set(['dev', 'test']));
  });
});
