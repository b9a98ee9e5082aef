import { describe, expect, it } from 'vitest';
import { FILTER_FIELDS } from '@cytoclip/domain';
import { makePoints } from '../testing/fixtures.js';
import {
  batches,
  countRequest,
  createCollectionRequest,
  FILTER_PAYLOAD_KEYS,
  fromQdrantPayload,
  PAYLOAD_INDEXES,
  searchRequest,
  SECTION_KEY,
  toQdrantFilter,
  toQdrantPoint,
} from './builders.js';

const page = { limit: 10, offset: 0, perSection: 0, minScore: -Infinity };

describe('Qdrant request builders', () => {
  it('maps every filter field to an indexed payload key', () => {
    expect(Object.keys(FILTER_PAYLOAD_KEYS).sort()).toEqual([...FILTER_FIELDS].sort());
    const indexed = PAYLOAD_INDEXES.map((index) => index.field_name);
    for (const key of Object.values(FILTER_PAYLOAD_KEYS)) expect(indexed).toContain(key);
    expect(indexed).toContain(SECTION_KEY);
  });

  it('builds one must-condition per filter field, a region matching its subtree through regionPath', () => {
    expect(toQdrantFilter({})).toBeUndefined();
    expect(
      toQdrantFilter({
        gestationalWeek: { gte: 18 },
        planes: ['coronal'],
        specimens: ['S01', 'S02'],
        atlases: ['demo'],
        regions: ['Pal'],
        sections: ['S01-cor-0040'],
      }),
    ).toEqual({
      must: [
        { key: 'gestationalWeek', range: { gte: 18, lte: null } },
        { key: 'plane', match: { any: ['coronal'] } },
        { key: 'specimen', match: { any: ['S01', 'S02'] } },
        { key: 'atlas', match: { any: ['demo'] } },
        { key: 'regionPath', match: { any: ['Pal'] } },
        { key: 'section', match: { any: ['S01-cor-0040'] } },
      ],
    });
  });

  it('creates cosine collections, with int8 scalar quantization when asked', () => {
    expect(createCollectionRequest({ dim: 256 })).toEqual({ vectors: { size: 256, distance: 'Cosine' } });
    expect(createCollectionRequest({ dim: 512, quantization: 'int8' }).quantization_config).toEqual({
      scalar: { type: 'int8', quantile: 0.99, always_ram: true },
    });
  });

  it('sends the platform id and payload as they are, plus the atlas/section key it groups by', () => {
    const point = makePoints(4, 1)[0]!;
    const sent = toQdrantPoint(point);
    expect(sent.id).toBe(point.id);
    expect(sent.vector).toEqual(Array.from(point.vector));
    expect(sent.payload).toMatchObject({
      ...point.payload,
      [SECTION_KEY]: `${point.payload.atlas}/${point.payload.section}`,
    });
    expect(fromQdrantPayload(sent.payload)).toEqual(point.payload);
  });

  it('splits upserts under the request size and count limits, keeping order', () => {
    const points = makePoints(512, 30); // 150 points of 512 floats
    const bySize = batches(points, 512 * 24 * 40);
    expect(bySize.every((batch) => batch.length < 40)).toBe(true);
    expect(bySize.flat()).toEqual(points);
    expect(batches(points, Infinity, 64).map((batch) => batch.length)).toEqual([64, 64, 22]);
  });

  it('asks for a plain query, or for groups by section when hits are capped per section', () => {
    const vector = new Float32Array([1, 0, 0, 0]);
    const plain = searchRequest(vector, { ...page, offset: 5, minScore: 0.2, filter: { planes: ['axial'] } }, true);
    expect(plain).toEqual({
      kind: 'query',
      body: {
        query: [1, 0, 0, 0],
        filter: { must: [{ key: 'plane', match: { any: ['axial'] } }] },
        params: { quantization: { rescore: true, oversampling: 2 } },
        with_payload: true,
        score_threshold: 0.2,
        limit: 10,
        offset: 5,
      },
    });
    const grouped = searchRequest(vector, { ...page, offset: 10, perSection: 3, filter: {} }, false);
    expect(grouped.kind).toBe('groups');
    expect(grouped.body).toMatchObject({ group_by: SECTION_KEY, group_size: 3, limit: 20 });
    expect(grouped.body).not.toHaveProperty('score_threshold');
  });

  it("counts a total with a plain count, or with the pages' own ranking asked for one past the window", () => {
    const vector = new Float32Array([1, 0, 0, 0]);
    const filter = { regions: ['Pal'] };
    expect(countRequest(vector, { ...page, filter }, false)).toEqual({
      kind: 'count',
      body: { filter: { must: [{ key: 'regionPath', match: { any: ['Pal'] } }] }, exact: true },
    });
    const scored = countRequest(vector, { ...page, minScore: 0.3, filter }, true);
    expect(scored).toMatchObject({ kind: 'query', body: { score_threshold: 0.3, limit: 10_001, with_payload: false } });
    expect(scored.body).not.toHaveProperty('offset');
    const grouped = countRequest(vector, { ...page, perSection: 2, filter: {} }, false);
    expect(grouped).toMatchObject({
      kind: 'groups',
      body: { group_by: SECTION_KEY, group_size: 2, limit: 10_001, with_payload: false },
    });
    expect(grouped.body).not.toHaveProperty('score_threshold');
  });
});
