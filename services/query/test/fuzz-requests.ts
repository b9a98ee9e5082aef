import { mulberry32 } from '@cytoclip/domain';
import sharp from 'sharp';

// Seeded generation of malformed requests over every route of the API: hostile path segments and query strings,
// mutated JSON bodies, broken encodings and media types, hostile uploads, wrong methods and keys. Everything is drawn
// from one PRNG, so a failure reproduces from its seed and index.

export interface FuzzRequest {
  /** The route template it aims at (for coverage). */
  route: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | FormData;
}

/** Real ids from the ingested atlas, so some requests reach deep into the routes. */
export interface FuzzIds {
  atlas: string;
  atlasFolder: string;
  sections: string[];
  tiles: string[];
  regionImages: string[];
  regions: string[];
  key: string;
}

/** The seeded generator that spreads the requests (domain's mulberry32). */
export const prng = mulberry32;

const HOSTILE_SEGMENTS = [
  '%00',
  'a%00b',
  '%FF',
  '%E0%A4',
  '%ED%A0%80',
  '%C0%AF',
  '%2e%2e',
  '..',
  '%2F',
  '%5C',
  '%F0%9F%98%80',
  '%7F',
  '%0A',
  '%20',
  '-1',
  '1e999',
  'NaN',
  'null',
  '%25',
  '%',
  '%%41',
  '*',
  '$1',
  "'%3B--",
  '%EF%BF%BD',
  '%E2%80%AE',
  'x'.repeat(3000),
  '00000000-0000-0000-0000-000000000000',
  '00000000-0000-5000-8000-00000000000G',
];
const HOSTILE_STRINGS = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfff',
  '\uFFFD',
  '\u202e',
  '\u0007',
  'x'.repeat(5000),
  '../../etc/passwd',
  '/etc/passwd',
  '%00',
  "'; DROP TABLE tiles; --",
  '$1',
  'coronal',
  'CP',
  'tiles',
  'regions',
  '0',
  '😀',
];
const HOSTILE_VALUES: unknown[] = [
  ...HOSTILE_STRINGS,
  -1,
  0,
  -0,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  10_001,
  null,
  true,
  false,
  [],
  {},
  [null],
  { constructor: { prototype: { polluted: 1 } } },
  nest(64),
];
const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'application/problem+json',
  'text/plain',
  'application/json; charset=latin1',
  'multipart/form-data',
  'application/x-www-form-urlencoded',
  '',
];
const SIZES = ['', '0', '7', '8', '64', '2048', '2049', '99999999999', '-5', '1.5', 'abc', '%00', '1e3', '%2064'];
const LEVELS = ['0', '1', '8', '10', '12', '13', '-1', '999999999', '99999999999999', 'x', '%00', '1.5'];
const DZI_TILES = [
  '0_0.jpeg',
  '0_0.png',
  '1_1.jpg',
  '99_99.jpeg',
  '0_0.gif',
  '0_0',
  '_.jpeg',
  '%00_0.jpeg',
  '0_0.jpeg%00',
];

function nest(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** Uploads: sane, thin, truncated, a decompression bomb's header, foreign bytes. Made once (sharp is not seeded). */
export async function fuzzImages(): Promise<Uint8Array[]> {
  const make = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#7a6aa0' } });
  const png = await make(32, 32).png().toBuffer();
  const jpeg = await make(48, 32).jpeg().toBuffer();
  const bomb = Buffer.from(png);
  bomb.writeUInt32BE(30_000, 16); // IHDR width and height: 9 × 10^8 pixels declared
  bomb.writeUInt32BE(30_000, 20);
  return [
    png,
    jpeg,
    await make(16, 16).webp().toBuffer(),
    await make(16, 16).tiff().toBuffer(),
    await make(1, 400).png().toBuffer(),
    await make(1, 1).png().toBuffer(),
    jpeg.subarray(0, jpeg.length - 60),
    png.subarray(0, 40),
    bomb,
    Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'),
    Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
    Buffer.from([0xff, 0x00, 0x13, 0x37, 0xfe]),
    new Uint8Array(0),
  ];
}

export class RequestFuzzer {
  private readonly rnd: () => number;

  constructor(
    seed: number,
    private readonly ids: FuzzIds,
    private readonly images: Uint8Array[],
  ) {
    this.rnd = prng(seed);
  }

  private chance(p: number): boolean {
    return this.rnd() < p;
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rnd() * list.length)]!;
  }

  /** A path segment: a real id (sometimes) or a hostile one. */
  private segment(real: string[]): string {
    if (real.length && this.chance(0.35)) {
      const id = encodeURIComponent(this.pick(real));
      return this.chance(0.8) ? id : `${id}${this.pick(HOSTILE_SEGMENTS)}`;
    }
    return this.pick(HOSTILE_SEGMENTS);
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    const auth = this.rnd();
    if (auth < 0.45) headers.authorization = `Bearer ${this.ids.key}`;
    else if (auth < 0.55) headers['x-api-key'] = this.ids.key;
    else if (auth < 0.65)
      headers.authorization = this.pick([
        'Bearer wrong',
        'Basic Zm9vOmJhcg==',
        'Bearer ',
        `Bearer ${'k'.repeat(5000)}`,
      ]);
    if (this.chance(0.2)) headers.accept = this.pick(['image/jpeg', 'application/xml', '*/*', 'text/html']);
    return headers;
  }

  private image(): string {
    const bytes = Buffer.from(this.pick(this.images));
    const b64 = bytes.toString('base64');
    return this.pick([b64, b64, `data:image/png;base64,${b64}`, `${b64.slice(0, 9)}*${b64.slice(9)}`, b64.slice(0, 7)]);
  }

  private filter(): Record<string, unknown> {
    const { ids } = this;
    return {
      gestationalWeek: { gte: 10, lte: 30 },
      planes: ['coronal'],
      specimens: ['T01'],
      atlases: [ids.atlas],
      regions: [this.pick(ids.regions)],
      sections: [this.pick(ids.sections)],
    };
  }

  private query(): Record<string, unknown> {
    const { ids } = this;
    const kind = this.rnd();
    if (kind < 0.5) return { text: this.pick(['layered cortex', 'dense granular cells', 'ventricular zone']) };
    if (kind < 0.7) return { tileId: this.pick(ids.tiles) };
    if (kind < 0.85) return { regionImageId: this.pick(ids.regionImages) };
    return { image: this.image() };
  }

  /** A valid body for the route, as a starting point for mutations. */
  private template(route: string): Record<string, unknown> {
    const { ids } = this;
    const filter = this.chance(0.5) ? this.filter() : {};
    const target = this.pick(['tiles', 'regions']);
    switch (route) {
      case '/v1/search':
        return { query: this.query(), target, filter, limit: 20, offset: 0, minScore: 0.1, perSection: 3 };
      case '/v1/classify':
        return { image: this.image(), target, topK: 5, neighbours: 25, filter };
      case '/v1/heatmap':
        return { section: this.pick(ids.sections), query: { text: 'layered cortex' } };
      case '/v1/trajectory':
        return { query: this.query(), target, filter };
      default:
        return { atlas: this.chance(0.1) ? ids.atlasFolder : this.pick(HOSTILE_STRINGS) };
    }
  }

  /** A fresh copy of a hostile value (never shared, so a mutation cannot make a cycle). */
  private hostile(): unknown {
    return structuredClone(this.pick(HOSTILE_VALUES));
  }

  /** One to three mutations: a leaf replaced by a hostile value, a key dropped or added, the whole body replaced. */
  private mutate(body: Record<string, unknown>): unknown {
    let root: unknown = structuredClone(body);
    const rounds = this.chance(0.15) ? 0 : 1 + Math.floor(this.rnd() * 3);
    for (let i = 0; i < rounds; i++) {
      if (this.chance(0.05)) {
        root = this.hostile();
        continue;
      }
      const objects: Record<string, unknown>[] = [];
      const walk = (v: unknown, depth: number) => {
        if (v && typeof v === 'object' && depth < 8) {
          objects.push(v as Record<string, unknown>);
          Object.values(v).forEach((child) => walk(child, depth + 1));
        }
      };
      walk(root, 0);
      if (!objects.length) break;
      const target = this.pick(objects);
      const keys = Object.keys(target);
      const op = this.rnd();
      if (op < 0.6 && keys.length) target[this.pick(keys)] = this.hostile();
      else if (op < 0.8 && keys.length) delete target[this.pick(keys)];
      else target[this.pick(['extra', 'limit', 'query', 'text', 'prototype', 'constructor'])] = this.hostile();
    }
    return root;
  }

  /** The bytes of a JSON body, sometimes broken on the way: truncated, invalid UTF-8, a BOM, or nothing. */
  private encode(value: unknown): string | Uint8Array {
    const text = JSON.stringify(value) ?? 'undefined';
    const how = this.rnd();
    if (how < 0.8) return text;
    if (how < 0.85) return text.slice(0, Math.floor(this.rnd() * text.length));
    if (how < 0.9) {
      const at = Math.floor(this.rnd() * text.length);
      return Buffer.concat([
        Buffer.from(text.slice(0, at)),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from(text.slice(at)),
      ]);
    }
    if (how < 0.93) return `\uFEFF${text}`;
    if (how < 0.97) return `{"__proto__":{"polluted":1},${text.slice(1)}`;
    return '';
  }

  private json(route: string, method = 'POST'): FuzzRequest {
    const headers = this.headers();
    const type = this.pick(CONTENT_TYPES);
    if (type) headers['content-type'] = type;
    return { route, method, path: route, headers, body: this.encode(this.mutate(this.template(route))) };
  }

  private upload(): FuzzRequest {
    const headers = this.headers();
    const form = new FormData();
    const field = this.chance(0.9) ? 'image' : this.pick(['file', 'img', '']);
    if (this.chance(0.85)) form.append(field, new Blob([this.pick(this.images) as Uint8Array<ArrayBuffer>]), 'up.png');
    else form.append(field, this.pick(HOSTILE_STRINGS));
    if (this.chance(0.6)) {
      const { query: _none, ...rest } = this.template('/v1/search');
      const request = this.mutate(rest);
      form.append('request', this.chance(0.9) ? (JSON.stringify(request) ?? '') : this.pick(HOSTILE_STRINGS));
    }
    if (this.chance(0.1)) {
      const boundary = this.pick(['', 'x', '"broken']);
      const body = `--x\r\nContent-Disposition: form-data; name="image"\r\n\r\n${this.pick(HOSTILE_STRINGS)}`;
      return {
        route: '/v1/search/image',
        method: 'POST',
        path: '/v1/search/image',
        headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
      };
    }
    return { route: '/v1/search/image', method: 'POST', path: '/v1/search/image', headers, body: form };
  }

  private get(route: string, path: string, query = ''): FuzzRequest {
    return { route, method: 'GET', path: path + query, headers: this.headers() };
  }

  private imageQuery(): string {
    const parts: string[] = [];
    if (this.chance(0.7)) parts.push(`size=${this.pick(SIZES.slice(0, this.chance(0.5) ? 6 : SIZES.length))}`);
    if (this.chance(0.4)) parts.push(`format=${this.pick(['png', 'jpeg', 'gif', '%00', ''])}`);
    if (this.chance(0.1)) parts.push(this.pick(['size=64&size=99999', '%00=1', 'a=%FF']));
    return parts.length ? `?${parts.join('&')}` : '';
  }

  /** The next request: each route in turn gets its share, with a wrong method now and then. */
  next(): FuzzRequest {
    const request = this.pick(this.routes)();
    if (this.chance(0.05)) request.method = this.pick(['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'POST', 'GET']);
    if (request.method === 'GET' || request.method === 'HEAD') delete request.body;
    return request;
  }

  private readonly routes: (() => FuzzRequest)[] = [
    () => this.json('/v1/search'),
    () => this.json('/v1/search'),
    () => this.upload(),
    () => this.json('/v1/classify'),
    () => this.json('/v1/heatmap'),
    () => this.json('/v1/trajectory'),
    () => this.json('/v1/ingest'),
    () => this.get('/v1/ingest/{id}', `/v1/ingest/${this.segment([])}`),
    () => this.get('/v1/sections/{id}', `/v1/sections/${this.segment(this.ids.sections)}`),
    () => this.get('/v1/sections/{id}/dzi', `/v1/sections/${this.segment(this.ids.sections)}/dzi`),
    () =>
      this.get(
        '/v1/sections/{id}/dzi_files/{level}/{tile}',
        `/v1/sections/${this.segment(this.ids.sections)}/dzi_files/${this.pick(LEVELS)}/${this.pick(DZI_TILES)}`,
      ),
    () => this.get('/v1/tiles/{id}', `/v1/tiles/${this.segment(this.ids.tiles)}`),
    () => this.get('/v1/tiles/{id}/image', `/v1/tiles/${this.segment(this.ids.tiles)}/image`, this.imageQuery()),
    () => this.get('/v1/region-images/{id}', `/v1/region-images/${this.segment(this.ids.regionImages)}`),
    () =>
      this.get(
        '/v1/region-images/{id}/image',
        `/v1/region-images/${this.segment(this.ids.regionImages)}/image`,
        this.imageQuery(),
      ),
    // Never the real atlas: deleting it would leave the rest of the run nothing to reach.
    () => ({ ...this.get('/v1/atlases/{id}', `/v1/atlases/${this.segment([])}`), method: 'DELETE' }),
    () => this.get('/v1/atlases', '/v1/atlases', this.chance(0.3) ? `?${this.pick(HOSTILE_SEGMENTS)}` : ''),
    () => this.get('/v1/models', '/v1/models'),
    () => this.get('/v1/regions', '/v1/regions'),
    () => this.get('/v1/specimens', '/v1/specimens'),
    () => this.get('/healthz', '/healthz'),
    () => this.get('/readyz', '/readyz'),
    () => this.get('/metrics', '/metrics'),
    () => this.get('/openapi.json', '/openapi.json'),
    () => this.get('/docs', '/docs'),
    () => this.get('(unmatched)', `/${this.pick(HOSTILE_SEGMENTS)}/${this.pick(HOSTILE_SEGMENTS)}`),
  ];
}
