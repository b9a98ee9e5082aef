import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionImageId } from '@cytoclip/domain';
import { API_KEY, ATLAS_FOLDER, ingestedStack } from './fuzz-stack.js';

// Real requests to every operation of /openapi.json on the real stack (the tiny atlas ingested, both fixture models),
// each answer checked against the generated spec: its status is declared for the operation, its media type is one
// declared for that status, and a JSON body validates against the declared schema (Ajv's JSON Schema 2020-12, the
// dialect of OpenAPI 3.1). The document itself is checked against the OpenAPI 3.1 schema.

type Spec = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, Declared> }>>;
  components: Record<string, unknown>;
};
type Declared = { content?: Record<string, { schema: object }> };
interface Exchange {
  /** What is asked, e.g. "a tile as JPEG". */
  label: string;
  method: string;
  /** The operation's path template, as in the spec. */
  route: string;
  path: string;
  init?: RequestInit;
  status: number;
}

let stack: Awaited<ReturnType<typeof ingestedStack>>;
let spec: Spec;
let ids: {
  atlas: string;
  section: string;
  tile: string;
  regionImage: string;
  model: string;
  tilePng: Buffer;
  thin: string;
};
const key = { authorization: `Bearer ${API_KEY}` };
const jsonPost = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

beforeAll(async () => {
  stack = await ingestedStack();
  spec = (await (await stack.app.request('/openapi.json')).json()) as Spec;
  const { catalog } = stack;
  const [atlas] = await catalog.listAtlases();
  const [section] = await catalog.listSections(atlas!.name);
  const [tile] = await catalog.listTiles(atlas!.name, section!.id);
  const detail = await catalog.getSection(section!.id, atlas!.name);
  const regionImage = regionImageId(atlas!.name, section!.id, detail!.annotations[0]!.region);
  const png = await stack.app.request(`/v1/tiles/${tile!.id}/image`);
  const models = (await (await stack.app.request('/v1/models')).json()) as { models: { id: string }[] };
  // 1 × 200 pixels: an image the decoder reads, more than 100 times longer than wide.
  const thin = await sharp({ create: { width: 1, height: 200, channels: 3, background: '#fff' } })
    .png()
    .toBuffer();
  ids = {
    model: models.models[0]!.id,
    thin: thin.toString('base64'),
    atlas: atlas!.name,
    section: section!.id,
    tile: tile!.id,
    regionImage,
    tilePng: Buffer.from(await png.arrayBuffer()),
  };
}, 300_000);
afterAll(async () => stack?.close());

function exchanges(): Exchange[] {
  const { atlas, section, tile, regionImage, model, tilePng, thin } = ids;
  const image = tilePng.toString('base64');
  const upload = (request?: object) => {
    const form = new FormData();
    form.set('image', new Blob([new Uint8Array(tilePng)], { type: 'image/png' }), 'tile.png');
    if (request) form.set('request', JSON.stringify(request));
    return { method: 'POST', body: form };
  };
  const get = (label: string, route: string, path: string, status = 200, init: RequestInit = {}): Exchange => ({
    label,
    method: 'GET',
    route,
    path,
    status,
    init,
  });
  const post = (label: string, route: string, body: unknown, status = 200, headers = {}): Exchange => ({
    label,
    method: 'POST',
    route,
    path: route,
    status,
    init: jsonPost(body, headers),
  });
  const sec = '/v1/sections/{id}';
  return [
    get('alive', '/healthz', '/healthz'),
    get('ready', '/readyz', '/readyz'),
    get('metrics with the admin key', '/metrics', '/metrics', 200, { headers: key }),
    get('metrics without a key', '/metrics', '/metrics', 401),
    get('atlases', '/v1/atlases', '/v1/atlases'),
    get('models', '/v1/models', '/v1/models'),
    get('a model card', '/v1/models/{id}/card', `/v1/models/${encodeURIComponent(model)}/card`),
    get('no such model card', '/v1/models/{id}/card', '/v1/models/nope@1/card', 404),
    get('regions', '/v1/regions', '/v1/regions'),
    get('specimens', '/v1/specimens', '/v1/specimens'),
    get('sections', '/v1/sections', '/v1/sections'),
    get('a section', sec, `/v1/sections/${section}`),
    get('no such section', sec, '/v1/sections/nope', 404),
    get('a NUL in a section id', sec, '/v1/sections/a%00b', 400),
    get('Deep Zoom descriptor', `${sec}/dzi`, `/v1/sections/${section}/dzi`),
    get('Deep Zoom tile', `${sec}/dzi_files/{level}/{tile}`, `/v1/sections/${section}/dzi_files/8/0_0.jpeg`),
    get('Deep Zoom tile as PNG', `${sec}/dzi_files/{level}/{tile}`, `/v1/sections/${section}/dzi_files/8/0_0.png`),
    get('a malformed Deep Zoom tile', `${sec}/dzi_files/{level}/{tile}`, `/v1/sections/${section}/dzi_files/8/x`, 400),
    get('a tile', '/v1/tiles/{id}', `/v1/tiles/${tile}`),
    get('a tile id that is no UUID', '/v1/tiles/{id}', '/v1/tiles/nope', 400),
    get('a tile image', '/v1/tiles/{id}/image', `/v1/tiles/${tile}/image?size=32`),
    get('a tile as JPEG', '/v1/tiles/{id}/image', `/v1/tiles/${tile}/image?format=jpeg`),
    get('a tile image too big', '/v1/tiles/{id}/image', `/v1/tiles/${tile}/image?size=99999`, 400),
    get('a region image', '/v1/region-images/{id}', `/v1/region-images/${regionImage}`),
    get('a region image cut', '/v1/region-images/{id}/image', `/v1/region-images/${regionImage}/image`),
    get('a region image outline', '/v1/region-images/{id}/outline', `/v1/region-images/${regionImage}/outline`),
    get(
      'a tile id as a region image outline',
      '/v1/region-images/{id}/outline',
      `/v1/region-images/${tile}/outline`,
      404,
    ),
    get('an outline id that is no UUID', '/v1/region-images/{id}/outline', '/v1/region-images/nope/outline', 400),
    post('search by text', '/v1/search', { query: { text: 'cortical plate' }, limit: 5 }),
    post('search by tile', '/v1/search', { query: { tileId: tile }, perSection: 1 }),
    post('search by image', '/v1/search', { query: { image } }),
    post('search region images', '/v1/search', { query: { text: 'cortex' }, target: 'regions' }),
    post('search with an unknown field', '/v1/search', { query: { text: 'a' }, colour: 1 }, 400),
    post('search by an unknown tile', '/v1/search', { query: { tileId: regionImage } }, 404),
    post('search by a thin image', '/v1/search', { query: { image: thin } }, 422),
    post('search by examples', '/v1/search', {
      query: { positive: [{ tileId: tile }, { text: 'cortex', weight: 2 }], negative: [{ image }] },
    }),
    post('search region images by examples', '/v1/search', {
      query: { positive: [{ regionImageId: regionImage }] },
      target: 'regions',
    }),
    post('search by a region of interest', '/v1/search', {
      query: { sectionRegion: { section, bbox: [0, 0, 300, 200] } },
    }),
    post('search by a region image region', '/v1/search', {
      query: { sectionRegion: { section, bbox: [0, 0, 300, 200] } },
      target: 'regions',
    }),
    post('search by negatives alone', '/v1/search', { query: { negative: [{ tileId: tile }] } }, 422),
    post('search by an unknown example', '/v1/search', { query: { positive: [{ tileId: regionImage }] } }, 404),
    post('search by a box outside', '/v1/search', { query: { sectionRegion: { section, bbox: [-5, 0, 9, 9] } } }, 422),
    { ...post('search as plain text', '/v1/search', null, 415), init: { method: 'POST', body: 'cortex' } },
    { label: 'search by upload', method: 'POST', route: '/v1/search/image', path: '/v1/search/image', status: 200 },
    {
      label: 'upload with a request',
      method: 'POST',
      route: '/v1/search/image',
      path: '/v1/search/image',
      status: 200,
    },
    { label: 'upload of no image', method: 'POST', route: '/v1/search/image', path: '/v1/search/image', status: 400 },
    post('classify', '/v1/classify', { image }),
    post('classify as region images', '/v1/classify', { image, target: 'regions', topK: 2 }),
    post('classify a non-image', '/v1/classify', { image: Buffer.from('hello').toString('base64') }, 415),
    post('heatmap', '/v1/heatmap', { section, query: { text: 'cortical plate' } }),
    post('heatmap of no section', '/v1/heatmap', { section: 'nope', query: { text: 'cortex' } }, 404),
    post('trajectory', '/v1/trajectory', { query: { text: 'cortical plate' } }),
    get('auto-annotation GeoJSON', `${sec}/annotation`, `/v1/sections/${section}/annotation`),
    get('auto-annotation of no section', `${sec}/annotation`, '/v1/sections/nope/annotation', 404),
    get('auto-annotation per tile', `${sec}/annotation/tiles`, `/v1/sections/${section}/annotation/tiles`),
    get('tiles of no section', `${sec}/annotation/tiles`, '/v1/sections/nope/annotation/tiles?model=nope@1', 404),
    get('why this tile', '/v1/tiles/{id}/why', `/v1/tiles/${tile}/why`),
    get('why no tile', '/v1/tiles/{id}/why', `/v1/tiles/${regionImage}/why`, 404),
    post('ingest', '/v1/ingest', { atlas: ATLAS_FOLDER }, 202, key),
    post('ingest without a key', '/v1/ingest', { atlas: ATLAS_FOLDER }, 401),
    post('ingest outside the roots', '/v1/ingest', { atlas: '/etc' }, 400, key),
    get('an ingest job', '/v1/ingest/{id}', '/v1/ingest/JOB', 200, { headers: key }),
    get('no such ingest job', '/v1/ingest/{id}', '/v1/ingest/nope', 404, { headers: key }),
    { label: 'delete no atlas', method: 'DELETE', route: '/v1/atlases/{id}', path: '/v1/atlases/nope', status: 404 },
    {
      label: 'delete the atlas',
      method: 'DELETE',
      route: '/v1/atlases/{id}',
      path: `/v1/atlases/${atlas}`,
      status: 204,
    },
  ].map((e) => fill(e, upload));
}

/** Requests whose body or key a table line cannot hold inline. */
function fill(e: Exchange, upload: (request?: object) => RequestInit): Exchange {
  if (e.route === '/v1/search/image') {
    if (e.label === 'search by upload') return { ...e, init: upload() };
    if (e.label === 'upload with a request') return { ...e, init: upload({ limit: 3, perSection: 1 }) };
    return { ...e, init: { method: 'POST', body: new FormData() } };
  }
  if (e.method === 'DELETE') return { ...e, init: { method: 'DELETE', headers: key } };
  return e;
}

/** Checks one answer against the spec; returns what went wrong, or null. */
async function fault(ajv: Ajv2020, e: Exchange, res: Response): Promise<string | null> {
  const op = spec.paths[e.route]?.[e.method.toLowerCase()];
  if (!op) return `${e.method} ${e.route} is not in the spec`;
  const declared = op.responses[String(res.status)];
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== e.status) return `answered ${res.status}, not ${e.status}: ${body.toString().slice(0, 200)}`;
  if (!declared) return `${res.status} is not declared`;
  if (res.status === 204) return declared.content ? '204 declares content' : body.length ? '204 with a body' : null;
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const media = declared.content?.[type];
  if (!media) return `${type} is not declared for ${res.status} (${Object.keys(declared.content ?? {}).join(', ')})`;
  if (type === 'image/png' && body.subarray(0, 4).toString('latin1') !== '\x89PNG') return 'not a PNG';
  if (type === 'image/jpeg' && body.readUInt16BE(0) !== 0xffd8) return 'not a JPEG';
  if (!type.endsWith('json')) return body.length ? null : 'empty';
  const validate = ajv.compile({ ...media.schema, components: spec.components });
  return validate(JSON.parse(body.toString())) ? null : ajv.errorsText(validate.errors);
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(spec));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(spec.openapi).toBe('3.1.0');
  });

  // Before the exchanges below: the last of them deletes the atlas.
  it('declares a 429 with Retry-After on the costly routes, as answered', async () => {
    const app = stack.appWith({ rateLimit: 1 });
    const classify = () => app.request('/v1/classify', jsonPost({ image: ids.tilePng.toString('base64') }));
    expect((await classify()).status).toBe(200);
    const res = await classify();
    const ajv = new Ajv2020({ strict: false });
    const e = { label: 'over the limit', method: 'POST', route: '/v1/classify', path: '/v1/classify', status: 429 };
    expect(await fault(ajv, e, res)).toBeNull();
    expect(spec.paths['/v1/classify']!.post!.responses['429']).toMatchObject({ headers: { 'Retry-After': {} } });
  });

  // Before the exchanges below, which delete the atlas.
  it("answers a region image's outline with its region's polygons on its section, not its box", async () => {
    const item = await (await stack.app.request(`/v1/region-images/${ids.regionImage}`)).json();
    const section = await (await stack.app.request(`/v1/sections/${ids.section}`)).json();
    const answer = await (await stack.app.request(`/v1/region-images/${ids.regionImage}/outline`)).json();
    const [feature] = answer.features;
    const acronym = item.region.acronym as string;
    const polygons = section.annotations.features
      .filter((f: { properties: { region: string } }) => f.properties.region === acronym)
      .flatMap((f: { geometry: { type: string; coordinates: unknown[] } }) =>
        f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates,
      );
    const parts = feature.geometry.type === 'Polygon' ? [feature.geometry.coordinates] : feature.geometry.coordinates;
    expect(parts).toHaveLength(polygons.length);
    expect(feature.properties.classification.name).toBe(acronym);
    const points = (parts as number[][][][]).flatMap((p) => p[0]!);
    expect(points.length).toBeGreaterThan(5); // an outline, not the box's four corners
    const [x, y, w, h] = item.bbox as number[];
    for (const [px, py] of points) {
      expect(px).toBeGreaterThanOrEqual(x! - 1);
      expect(px).toBeLessThanOrEqual(x! + w! + 1);
      expect(py).toBeGreaterThanOrEqual(y! - 1);
      expect(py).toBeLessThanOrEqual(y! + h! + 1);
    }
  });

  it('describes every answer of every operation, sent for real', { timeout: 120_000 }, async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const problems: string[] = [];
    const answered = new Set<string>();
    let job = '';
    for (const e of exchanges()) {
      const path = e.path.replace('JOB', job);
      const res = await stack.app.request(path, e.init);
      if (e.route === '/v1/ingest' && res.status === 202) job = (await res.clone().json()).id;
      const wrong = await fault(ajv, e, res);
      if (wrong) problems.push(`${e.label} (${e.method} ${path.slice(0, 80)}): ${wrong}`);
      else if (res.status < 300) answered.add(`${e.method.toLowerCase()} ${e.route}`);
    }
    expect(problems).toEqual([]);
    const operations = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(operations.filter((op) => !answered.has(op))).toEqual([]);
  });

  it('lists every error code in the problem schema', () => {
    const problem = (spec.components as { schemas: Record<string, { properties: { code: { enum: string[] } } }> })
      .schemas.Problem!;
    expect(problem.properties.code.enum).toEqual(expect.arrayContaining(['unknown_region', 'image_too_large']));
    expect(problem.properties.code.enum.every((c) => /^[a-z]+(_[a-z0-9]+)*$/.test(c))).toBe(true);
  });
});
