import { describe, expect, it } from 'vitest';
import { FILTER_FIELDS } from '@cytoclip/domain';
import { makePoints } from '../testing/fixtures.js';
import { analyze, documentVector, lexicalQuery } from '@cytoclip/domain';
import {
  batches,
  countRequest,
  createCollectionRequest,
  FILTER_PAYLOAD_KEYS,
  fromLexicalPoint,
  fromQdrantPayload,
  fromRecord,
  hasLexicalFilter,
  LEXICAL_VECTOR,
  lexicalRequest,
  PAYLOAD_INDEXES,
  searchRequest,
  SECTION_KEY,
  tieRequest,
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
    expect(createCollectionRequest({ dim: 256 })).toEqual({
      vectors: { size: 256, distance: 'Cosine' },
      sparse_vectors: { lexical: { modifier: 'idf' } },
    });
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

  it('sends a lexical vector as the named sparse vector beside the unnamed dense one, and reads both back', () => {
    const point = { ...makePoints(4, 1)[0]!, lexical: documentVector(analyze('subplate neurons')) };
    const sent = toQdrantPoint(point);
    expect(sent.vector).toEqual({ '': Array.from(point.vector), [LEXICAL_VECTOR]: point.lexical });
    // A collection created before lexical vectors has no sparse vector to hold it: the dense vector alone goes.
    expect(toQdrantPoint(point, false).vector).toEqual(Array.from(point.vector));
    expect(toQdrantPoint({ ...point, lexical: { indices: [], values: [] } }).vector).toEqual(Array.from(point.vector));
    const back = fromRecord({ id: point.id, payload: sent.payload, vector: sent.vector } as never, true);
    expect(back.lexical).toEqual(point.lexical);
    expect(Array.from(back.vector!)).toEqual(Array.from(point.vector));
  });

  it('asks the lexical list from the sparse vector, one past the limit, with vectors for the cosines', () => {
    const query = lexicalQuery('dentate granule cells');
    expect(lexicalRequest(query, { planes: ['coronal'] }, 50)).toEqual({
      query: { indices: query.indices, values: query.values },
      using: LEXICAL_VECTOR,
      filter: { must: [{ key: 'plane', match: { any: ['coronal'] } }] },
      limit: 51,
      with_payload: true,
      with_vector: true,
    });
    const dense = Float32Array.from([0.6, 0.8, 0, 0]);
    const hit = fromLexicalPoint(
      { id: 'a', version: 1, score: 3.5, payload: { ...makePoints(4, 1)[0]!.payload }, vector: { '': [1, 0, 0, 0] } },
      dense,
    );
    expect(hit.lexical).toBe(3.5);
    expect(hit.score).toBeCloseTo(0.6, 6);
  });

  it('settles a tie across the cut by the dense query over every point at or above the cut', () => {
    const query = lexicalQuery('subplate');
    const dense = Float32Array.from([1, 0, 0, 0]);
    expect(tieRequest(query, dense, { regions: ['Pal'] }, 2.25, 20, true)).toEqual({
      prefetch: {
        query: { indices: query.indices, values: query.values },
        using: LEXICAL_VECTOR,
        filter: { must: [{ key: 'regionPath', match: { any: ['Pal'] } }] },
        score_threshold: 2.25,
        limit: 10_000,
      },
      query: [1, 0, 0, 0],
      params: { quantization: { rescore: true, oversampling: 2 } },
      limit: 20,
      with_payload: true,
    });
    expect(hasLexicalFilter()).toEqual({ must: [{ has_vector: LEXICAL_VECTOR }] });
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
