import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@cytoclip/query';
import { buildFixture, closeFixture, MODEL, post } from './fixture.js';

let f: Awaited<ReturnType<typeof buildFixture>>;
let sectionTile: string;
beforeAll(async () => {
  f = await buildFixture();
  sectionTile = [...f.tiles.values()].find((t) => t.section === 'S01-cor-0001' && t.x === 224 && t.y === 0)!.id;
}, 300_000);
afterAll(closeFixture);

describe('catalog routes', () => {
  it('serves the ontology as a tree', async () => {
    const body = (await (await f.app.request('/v1/regions')).json()) as {
      regions: { acronym: string; children: { acronym: string; children: { acronym: string }[] }[] }[];
    };
    expect(body.regions.map((r) => r.acronym)).toEqual(['Tel']);
    // The catalog orders regions by their path of acronyms.
    expect(body.regions[0]!.children.map((r) => r.acronym)).toEqual(['GE', 'Pal']);
    expect(body.regions[0]!.children[1]!.children.map((r) => r.acronym)).toEqual(['CP', 'SP']);
    expect(body.regions[0]!.children[0]!.children).toEqual([]);
  });

  it('lists specimens, atlases and models', async () => {
    const specimens = (await (await f.app.request('/v1/specimens')).json()) as {
      specimens: { id: string; planes: string[] }[];
    };
    expect(specimens.specimens.map((s) => s.id)).toEqual(['S01', 'S02', 'S03']);
    expect(specimens.specimens[0]!.planes).toEqual(['coronal', 'sagittal']);
    const models = (await (await f.app.request('/v1/models')).json()) as {
      models: { id: string; indexes: { complete: boolean }[] }[];
    };
    expect(models.models[0]!.id).toBe(MODEL);
    expect(models.models[0]!.indexes[0]!.complete).toBe(true);
  });

  it('lists every section with its age and scale, for browsing without a query', async () => {
    const body = (await (await f.app.request('/v1/sections')).json()) as {
      sections: { id: string; specimen: string; gestationalWeek: number; micronsPerPixel: number }[];
    };
    const specimens = (await (await f.app.request('/v1/specimens')).json()) as {
      specimens: { id: string; gestationalWeek: number; sections: number }[];
    };
    expect(body.sections).toHaveLength(specimens.specimens.reduce((n, s) => n + s.sections, 0));
    expect(body.sections.map((s) => s.id)).toContain('S01-cor-0001');
    for (const s of body.sections) {
      expect(s.gestationalWeek).toBe(specimens.specimens.find((x) => x.id === s.specimen)!.gestationalWeek);
      expect(s.micronsPerPixel).toBeGreaterThan(0);
      expect(s).not.toHaveProperty('imagePath');
    }
  });

  it('describes a section without leaking its server path', async () => {
    const body = (await (await f.app.request('/v1/sections/S01-cor-0001')).json()) as Record<string, unknown>;
    expect(body.width).toBe(896);
    expect(body.dziUrl).toBe('/v1/sections/S01-cor-0001/dzi');
    expect(body.imagePath).toBeUndefined();
    expect(body.annotations).toEqual({ type: 'FeatureCollection', features: [] });
  });

  it('describes a tile and cuts its image from the section TIFF', async () => {
    const meta = (await (await f.app.request(`/v1/tiles/${sectionTile}`)).json()) as {
      bbox: number[];
      region: { acronym: string };
    };
    expect(meta.bbox).toEqual([224, 0, 224, 224]);
    expect(meta.region.acronym).toBe('CP');
    const res = await f.app.request(`/v1/tiles/${sectionTile}/image`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toContain('max-age');
    const png = Buffer.from(await res.arrayBuffer());
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([224, 224]);
    // The fixture painted this tile dark blue; its neighbours are light.
    expect(data[0]).toBeLessThan(60);
    expect(data[2]).toBeGreaterThan(60);
    const thumb = await f.app.request(`/v1/tiles/${sectionTile}/image?size=64&format=jpeg`);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).width).toBe(64);
    expect((await f.app.request(`/v1/tiles/${sectionTile}/image?size=99999`)).status).toBe(400);
  });

  it('serves Deep Zoom: a descriptor and tiles of the right size at every level', async () => {
    const xml = await (await f.app.request('/v1/sections/S01-cor-0001/dzi')).text();
    expect(xml).toContain('TileSize="254"');
    expect(xml).toContain('Width="896" Height="896"');
    // 896 px: max level 10; level 10 col 0 is 255 wide (254 + overlap), level 0 is 1×1.
    const top = await f.app.request('/v1/sections/S01-cor-0001/dzi_files/10/0_0.jpeg');
    expect(top.status).toBe(200);
    const m = await sharp(Buffer.from(await top.arrayBuffer())).metadata();
    expect([m.width, m.height]).toEqual([255, 255]);
    const last = await sharp(
      Buffer.from(await (await f.app.request('/v1/sections/S01-cor-0001/dzi_files/10/3_3.jpeg')).arrayBuffer()),
    ).metadata();
    expect([last.width, last.height]).toEqual([896 - 3 * 254 + 1, 896 - 3 * 254 + 1]);
    const tiny = await sharp(
      Buffer.from(await (await f.app.request('/v1/sections/S01-cor-0001/dzi_files/0/0_0.jpeg')).arrayBuffer()),
    ).metadata();
    expect([tiny.width, tiny.height]).toEqual([1, 1]);
    const mid = await sharp(
      Buffer.from(await (await f.app.request('/v1/sections/S01-cor-0001/dzi_files/8/0_0.jpeg')).arrayBuffer()),
    ).metadata();
    expect([mid.width, mid.height]).toEqual([224, 224]);
  });
});

describe('region images', () => {
  it('cuts the region image and whitens what lies outside its polygons', async () => {
    const id = '11111111-2222-5333-8444-555555555555';
    const catalog = f.stack.catalog;
    // The dark square of the fixture TIFF spans x 224..448, y 0..224; the region covers its left half only.
    await catalog.replaceAnnotations('tiny', 'S03-sag-0001', [
      {
        region: 'GE',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [224, 0],
              [336, 0],
              [336, 224],
              [224, 224],
              [224, 0],
            ],
          ],
        },
      },
    ]);
    expect(
      await catalog.insertRegionImages([
        {
          id,
          atlas: 'tiny',
          section: 'S03-sag-0001',
          region: 'GE',
          x: 224,
          y: 0,
          width: 224,
          height: 224,
          area: 112 * 224,
          imagePath: null,
        },
      ]),
    ).toBe(1);
    const meta = (await (await f.app.request(`/v1/region-images/${id}`)).json()) as { kind: string; imageUrl: string };
    expect(meta.kind).toBe('region');
    const res = await f.app.request(meta.imageUrl);
    expect(res.status).toBe(200);
    const { data, info } = await sharp(Buffer.from(await res.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => data[(y * info.width + x) * info.channels]!;
    expect(at(50, 100)).toBeLessThan(60); // inside: the dark tissue
    expect(at(180, 100)).toBe(255); // outside: white
    expect((await f.app.request(`/v1/tiles/${id}`)).status).toBe(404); // a region image is not a tile
  });
});

describe('analysis routes', () => {
  it("scores every tile of a section for a heatmap, with the search's own scores", async () => {
    const r = await post(f.app, '/v1/heatmap', { section: 'S02-sag-0001', query: { text: 'subplate' } });
    expect(r.status).toBe(200);
    expect(r.json.tiles).toHaveLength(16);
    const best = r.json.tiles.reduce((a: { score: number }, b: { score: number }) => (b.score > a.score ? b : a));
    expect(r.json.max).toBe(best.score);
    expect(r.json.min).toBe(Math.min(...r.json.tiles.map((t: { score: number }) => t.score)));
    // The same text as a search over that section ranks the same tiles with the same scores.
    const search = await post(f.app, '/v1/search', {
      query: { text: 'subplate' },
      filter: { sections: ['S02-sag-0001'] },
      limit: 16,
    });
    expect(search.json.results[0].id).toBe(best.id);
    const byId = new Map(r.json.tiles.map((t: { id: string; score: number }) => [t.id, t.score]));
    for (const x of search.json.results) expect(byId.get(x.id)).toBeCloseTo(x.score, 5);
    const subplate = [...f.tiles.values()].find((t) => t.section === 'S02-sag-0001' && t.x === 224 && t.y === 224)!.id;
    expect(r.json.tiles.find((t: { id: string }) => t.id === subplate).bbox).toEqual([224, 224, 224, 224]);
  });

  it('gives best and median per gestational week', async () => {
    const r = await post(f.app, '/v1/trajectory', {
      query: { text: 'cortical plate' },
      filter: { planes: ['coronal'] },
    });
    expect(r.json.weeks.map((w: { gestationalWeek: number }) => w.gestationalWeek)).toEqual([16, 21, 30]);
    for (const w of r.json.weeks) {
      expect(w.count).toBe(16);
      expect(w.best).toBeGreaterThan(w.median);
    }
  });

  it("gives each week the mean of its top k, which equals that week's top-k search", async () => {
    const r = await post(f.app, '/v1/trajectory', {
      query: { text: 'cortical plate' },
      filter: { planes: ['coronal'] },
    });
    expect(r.json.topK).toBe(10);
    for (const w of r.json.weeks) {
      const page = await post(f.app, '/v1/search', {
        query: { text: 'cortical plate' },
        retrieval: 'dense',
        cutoff: 'none',
        limit: 10,
        filter: { planes: ['coronal'], gestationalWeek: { gte: w.gestationalWeek, lte: w.gestationalWeek } },
      });
      const scores = page.json.results.map((x: { score: number }) => x.score);
      expect(w.topMean).toBeCloseTo(scores.reduce((a: number, b: number) => a + b, 0) / scores.length, 5);
      expect(w.topMean).toBeLessThanOrEqual(w.best);
      expect(w.topMean).toBeGreaterThanOrEqual(w.median);
    }
  });

  it('draws a heatmap for a stored tile and for an uploaded image, not only for text', async () => {
    const tile = [...f.tiles.values()].find((t) => t.section === 'S02-sag-0001')!.id;
    const byTile = await post(f.app, '/v1/heatmap', { section: 'S02-sag-0001', query: { tileId: tile } });
    expect(byTile.status).toBe(200);
    // A tile scores itself highest: its own vector.
    expect(byTile.json.tiles.find((t: { id: string }) => t.id === tile).score).toBeCloseTo(byTile.json.max, 5);
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#303080' } })
      .png()
      .toBuffer();
    const byImage = await post(f.app, '/v1/heatmap', {
      section: 'S02-sag-0001',
      query: { image: png.toString('base64') },
      micronsPerPixel: 1,
    });
    expect(byImage.status).toBe(200);
    expect(byImage.json.tiles).toHaveLength(16);
  });

  it('classifies an image by zero-shot and by a vote of its nearest tiles', async () => {
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#303080' } })
      .png()
      .toBuffer();
    const r = await post(f.app, '/v1/classify', { image: png.toString('base64'), topK: 3, neighbours: 10 });
    expect(r.status).toBe(200);
    expect(r.json.zeroShot).toHaveLength(3);
    // Zero-shot runs over the model's own ontology (its random weights make no claim about which region wins).
    for (const z of r.json.zeroShot) expect(z.region.acronym && z.region.name).toBeTruthy();
    expect(r.json.zeroShot.every((z: { score: number }) => z.score > 0 && z.score <= 1)).toBe(true);
    const probabilities = r.json.zeroShot.map((z: { score: number }) => z.score);
    expect(probabilities).toEqual([...probabilities].sort((a: number, b: number) => b - a));
    const shares = r.json.vote.map((v: { share: number }) => v.share);
    expect(shares.reduce((a: number, b: number) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-9);
    expect(r.json.neighbours).toBe(10);
  });
});

describe('operations', () => {
  it('reports health, readiness and an OpenAPI document with a docs page', async () => {
    let ready = false;
    const app = createApp({
      catalog: f.catalog,
      vectors: f.vectors,
      models: [],
      config: { dataDir: f.dir },
      isReady: () => ready,
    }).app;
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(503);
    ready = true;
    expect((await app.request('/readyz')).status).toBe(200);
    const doc = (await (await app.request('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/search', '/v1/heatmap', '/v1/sections/{id}/dzi', '/metrics']),
    );
    expect(doc.components.schemas.SearchRequest).toBeDefined();
    expect(await (await app.request('/docs/start.js')).text()).toContain('/openapi.json');
  });

  it('serves the web app with client-side routes falling back to index.html', async () => {
    const web = join(f.dir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>web</title>');
    writeFileSync(join(web, 'assets', 'app-1234.js'), 'console.log(1)');
    const app = createApp({
      catalog: f.catalog,
      vectors: f.vectors,
      models: [],
      config: { dataDir: f.dir, staticDir: web },
    }).app;
    expect(await (await app.request('/')).text()).toContain('<title>web</title>');
    expect(await (await app.request('/search?q=cortex')).text()).toContain('<title>web</title>');
    const js = await app.request('/assets/app-1234.js');
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await app.request('/v1/unknown')).status).toBe(404);
    expect(await (await app.request('/..%2f..%2fetc/passwd')).text()).not.toContain('root:');
  });
});
