import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledStack } from './bundled-stack.js';
import { post } from './fixture.js';

// Auto-annotation and "why this match" on the real stack: the bundled models over the tiny atlas ingested for real
// (PGlite, the embedded vector store, ONNX). The GeoJSON is checked as QuPath reads it: closed rings, ontology
// colours, and every stored tile of the section inside the polygon of its predicted region.

type Stack = Awaited<ReturnType<typeof bundledStack>>;
type Ring = [number, number][];
type Feature = {
  type: string;
  geometry: { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] };
  properties: {
    objectType: string;
    classification: { name: string; color: [number, number, number] };
    region: string;
    confidence: number;
    tiles: number;
  };
};
type TilePrediction = {
  tileId: string;
  x: number;
  y: number;
  w: number;
  h: number;
  region: string;
  confidence: number;
  method: string;
  annotated: string | null;
};

let s: Stack;
let section: string;
let tileIds: string[];
let colours: Map<string, string>;

const get = async (path: string) => {
  const res = await s.app.request(path);
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: await res.json() };
};

beforeAll(async () => {
  s = await bundledStack();
  const hit = await post(s.app, '/v1/search', { query: { text: 'cortical plate' }, cutoff: 'none', limit: 1 });
  section = hit.json.results[0].section;
  const heat = await post(s.app, '/v1/heatmap', { section, query: { text: 'tissue' } });
  tileIds = heat.json.tiles.map((t: { id: string }) => t.id);
  const tree = await get('/v1/regions');
  colours = new Map();
  const walk = (nodes: { acronym: string; color: string; children: never[] }[]) =>
    nodes.forEach((n) => (colours.set(n.acronym, n.color), walk(n.children)));
  walk(tree.json.regions);
}, 600_000);
afterAll(async () => s?.close());

const hex = ([r, g, b]: number[]) => `#${[r, g, b].map((v) => v!.toString(16).padStart(2, '0')).join('')}`;

/** Even-odd point-in-polygon over every ring (holes subtract). */
function inside([x, y]: [number, number], rings: Ring[]): boolean {
  let odd = false;
  for (const ring of rings)
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
    }
  return odd;
}

describe('auto-annotation of a section', () => {
  it('answers QuPath GeoJSON: one closed (Multi)Polygon per region in ontology colours, every tile inside its region', async () => {
    const res = await get(`/v1/sections/${encodeURIComponent(section)}/annotation`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/geo\+json/);
    expect(res.json.type).toBe('FeatureCollection');
    const features = res.json.features as Feature[];
    expect(features.length).toBeGreaterThan(0);
    const regions = features.map((f) => f.properties.region);
    expect(new Set(regions).size).toBe(regions.length);
    for (const f of features) {
      expect(f.type).toBe('Feature');
      expect(['Polygon', 'MultiPolygon']).toContain(f.geometry.type);
      expect(f.properties.objectType).toBe('annotation');
      expect(f.properties.classification.name).toBe(f.properties.region);
      expect(hex(f.properties.classification.color)).toBe(colours.get(f.properties.region)?.toLowerCase());
      expect(f.properties.confidence).toBeGreaterThan(0);
      expect(f.properties.confidence).toBeLessThanOrEqual(1);
      const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const ring of polygons.flat()) {
        expect(ring.length).toBeGreaterThanOrEqual(4);
        expect(ring[ring.length - 1]).toEqual(ring[0]);
      }
    }
    expect(features.reduce((n, f) => n + f.properties.tiles, 0)).toBe(tileIds.length);

    const tiles = await get(`/v1/sections/${encodeURIComponent(section)}/annotation/tiles`);
    expect(tiles.status).toBe(200);
    const predictions = tiles.json.tiles as TilePrediction[];
    expect(predictions.map((p) => p.tileId).sort()).toEqual([...tileIds].sort());
    for (const p of predictions) {
      expect(['knn', 'zero-shot']).toContain(p.method);
      expect(p.annotated).not.toBeNull();
      const feature = features.find((f) => f.properties.region === p.region)!;
      const polygons =
        feature.geometry.type === 'Polygon' ? [feature.geometry.coordinates] : feature.geometry.coordinates;
      const centre: [number, number] = [p.x + p.w / 2, p.y + p.h / 2];
      expect(polygons.some((rings) => inside(centre, rings))).toBe(true);
    }
    // The legend: the same regions and counts as the GeoJSON; the predictions scored against the annotation.
    expect(tiles.json.regions.map((r: { region: string }) => r.region).sort()).toEqual([...regions].sort());
    expect(tiles.json.againstAnnotation.tiles).toBe(tileIds.length);
    expect(tiles.json.againstAnnotation.macroF1).toBeGreaterThanOrEqual(0);
    expect(tiles.json.againstAnnotation.macroF1).toBeLessThanOrEqual(1);
  });

  it('answers 404 problem JSON for an unknown section, and 400 naming the id for a bad one', async () => {
    for (const path of ['/v1/sections/no-such-section/annotation', '/v1/sections/no-such-section/annotation/tiles']) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(res.json.code).toBe('not_found');
    }
    const bad = await get('/v1/sections/a%00b/annotation');
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].field).toBe('id');
  });

  it('answers 404 naming the model for a model with no tile index', async () => {
    const res = await get(`/v1/sections/${encodeURIComponent(section)}/annotation?model=nope@1`);
    expect(res.status).toBe(404);
    expect(res.json.errors[0].field).toBe('model');
  });
});

describe('why this match', () => {
  it("names the five thesaurus descriptors that score highest on a tile, relative to all descriptors' mean", async () => {
    const res = await get(`/v1/tiles/${tileIds[0]}/why`);
    expect(res.status).toBe(200);
    const { descriptors, mean, of, model } = res.json;
    expect(model).toBe(s.tileModel.info.id);
    expect(of).toBeGreaterThan(20);
    expect(descriptors).toHaveLength(5);
    const scores = descriptors.map((d: { score: number }) => d.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores[0]).toBeGreaterThan(0); // the best is above the mean of all of them
    for (const d of descriptors) {
      expect(d.text.length).toBeGreaterThan(0);
      expect(d.score).toBeCloseTo(d.cosine - mean, 6);
    }
    // Embedded once per model: a second tile's answer comes from the same descriptor space.
    const again = await get(`/v1/tiles/${tileIds[1]}/why`);
    expect(again.json.of).toBe(of);
  });

  it('answers 404 for a tile id that is no tile, 400 for one that is no UUID', async () => {
    expect((await get('/v1/tiles/00000000-0000-5000-8000-000000000000/why')).status).toBe(404);
    const bad = await get('/v1/tiles/nope/why');
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].field).toBe('id');
  });
});
