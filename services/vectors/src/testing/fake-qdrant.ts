import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A FAKE Qdrant for the adapter's unit tests: a node:http server that records every request and keeps just enough
 * state (collections, aliases, points, payload indexes, metadata) to answer the calls the adapter makes, shaped as
 * Qdrant 1.19 answers them. It is not Qdrant: no index, brute-force scores, filters limited to `match` and `range`.
 * The real server is exercised by the contract suite wherever QDRANT_URL is set.
 */
export interface Recorded {
  method: string;
  path: string;
  body: unknown;
  apiKey: string | undefined;
}

interface FakePoint {
  id: string;
  vector: unknown;
  payload: Record<string, unknown>;
}

interface FakeCollection {
  config: Record<string, unknown>;
  metadata: Record<string, unknown>;
  indexes: Set<string>;
  points: Map<string, FakePoint>;
}

type Condition = {
  key: string;
  match?: { value?: unknown; any?: unknown[] };
  range?: { gte?: number; lte?: number };
  has_vector?: string;
  is_null?: { key: string };
};

export class FakeQdrant {
  readonly requests: Recorded[] = [];
  readonly collections = new Map<string, FakeCollection>();
  readonly aliases = new Map<string, string>();
  version = '1.19.0';
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const body = raw ? (JSON.parse(raw) as unknown) : undefined;
        const apiKey = req.headers['api-key'] as string | undefined;
        this.requests.push({ method: req.method ?? 'GET', path: url.pathname, body, apiKey });
        const [status, result] = this.answer(req.method ?? 'GET', url.pathname, body as Record<string, unknown>);
        res.writeHead(status, { 'content-type': 'application/json' });
        const error = status >= 400 ? { error: String(result) } : 'ok';
        res.end(JSON.stringify(status === 200 && url.pathname === '/' ? result : { result, status: error, time: 0 }));
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((done) => this.server?.close(() => done()));
  }

  /** A collection as an older version of the platform made it (no sparse vector, no metadata, no week key index). */
  addLegacy(name: string, dim: number, points: FakePoint[]): void {
    this.collections.set(name, {
      config: { vectors: { size: dim, distance: 'Cosine' } },
      metadata: {},
      indexes: new Set(['gestationalWeek', 'specimen']),
      points: new Map(points.map((p) => [p.id, p])),
    });
  }

  /** Requests after the version check and reads, as `METHOD path` (what changed the server). */
  writes(): string[] {
    return this.requests
      .filter((r) => r.method !== 'GET' && !r.path.endsWith('/count'))
      .map((r) => `${r.method} ${r.path}`);
  }

  private resolve(name: string): FakeCollection | undefined {
    return this.collections.get(this.aliases.get(name) ?? name);
  }

  private answer(method: string, path: string, body: Record<string, unknown>): [number, unknown] {
    if (path === '/') return [200, { title: 'fake qdrant', version: this.version }];
    if (method === 'GET' && path === '/collections')
      return [200, { collections: [...this.collections.keys()].map((name) => ({ name })) }];
    if (method === 'GET' && path === '/aliases')
      return [
        200,
        { aliases: [...this.aliases].map(([alias_name, collection_name]) => ({ alias_name, collection_name })) },
      ];
    if (method === 'POST' && path === '/collections/aliases') return this.aliasActions(body);
    const match = /^\/collections\/([^/]+)(\/.*)?$/.exec(path);
    if (!match) return [404, 'no such route'];
    const name = decodeURIComponent(match[1]!);
    const rest = match[2] ?? '';
    const collection = this.resolve(name);
    if (method === 'PUT' && rest === '') {
      if (this.collections.has(name) || this.aliases.has(name))
        return [409, `Wrong input: Collection \`${name}\` already exists!`];
      const { metadata, ...config } = body;
      this.collections.set(name, {
        config,
        metadata: (metadata as Record<string, unknown>) ?? {},
        indexes: new Set(),
        points: new Map(),
      });
      return [200, true];
    }
    if (!collection) return [404, `Not found: Collection \`${name}\` doesn't exist!`];
    if (method === 'GET' && rest === '') return [200, this.info(collection)];
    if (method === 'GET' && rest === '/aliases') {
      const aliases = [...this.aliases].filter(([, c]) => c === name);
      return [200, { aliases: aliases.map(([alias_name, collection_name]) => ({ alias_name, collection_name })) }];
    }
    if (method === 'PATCH' && rest === '') {
      Object.assign(collection.metadata, body.metadata);
      return [200, true];
    }
    if (method === 'DELETE' && rest === '') {
      this.collections.delete(name);
      return [200, true];
    }
    if (method === 'PUT' && rest === '/index') {
      collection.indexes.add(String(body.field_name));
      return [200, { status: 'completed', operation_id: 1 }];
    }
    if (method === 'PUT' && rest === '/points') {
      for (const p of body.points as FakePoint[]) collection.points.set(String(p.id), { ...p, id: String(p.id) });
      return [200, { status: 'completed', operation_id: 1 }];
    }
    if (method === 'POST' && rest === '/points/scroll') return [200, this.scroll(collection, body)];
    if (method === 'POST' && rest === '/points/count')
      return [200, { count: this.matching(collection, body.filter).length }];
    if (method === 'POST' && rest === '/points/query/groups') return [200, this.groups(collection, body)];
    return [404, `fake: no ${method} ${rest}`];
  }

  private info(collection: FakeCollection) {
    const { sparse_vectors, vectors, quantization_config } = collection.config as Record<string, unknown>;
    return {
      status: 'green',
      points_count: collection.points.size,
      config: { params: { vectors, sparse_vectors }, quantization_config, metadata: collection.metadata },
      payload_schema: Object.fromEntries([...collection.indexes].map((f) => [f, { data_type: 'keyword' }])),
    };
  }

  private aliasActions(body: Record<string, unknown>): [number, unknown] {
    const next = new Map(this.aliases);
    for (const action of body.actions as Record<string, { alias_name: string; collection_name?: string }>[]) {
      if (action.delete_alias) next.delete(action.delete_alias.alias_name);
      if (action.create_alias) {
        const { alias_name, collection_name } = action.create_alias;
        if (next.has(alias_name) || this.collections.has(alias_name))
          return [409, `Wrong input: Alias \`${alias_name}\` already exists!`];
        next.set(alias_name, collection_name!);
      }
    }
    this.aliases.clear(); // all the actions apply together, or none do
    for (const [a, c] of next) this.aliases.set(a, c);
    return [200, true];
  }

  private scroll(collection: FakeCollection, body: Record<string, unknown>) {
    const all = [...collection.points.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    const start = body.offset ? all.findIndex((p) => p.id === body.offset) : 0;
    const limit = Number(body.limit ?? 10);
    const page = all.slice(start, start + limit);
    return { points: page, next_page_offset: all[start + limit]?.id ?? null };
  }

  private matching(collection: FakeCollection, filter: unknown): FakePoint[] {
    const { must = [], must_not = [] } = (filter ?? {}) as { must?: Condition[]; must_not?: Condition[] };
    return [...collection.points.values()].filter(
      (p) => must.every((c) => this.holds(p, c)) && !must_not.some((c) => this.holds(p, c)),
    );
  }

  private holds(p: FakePoint, c: Condition): boolean {
    if (c.has_vector) return typeof p.vector === 'object' && !Array.isArray(p.vector) && c.has_vector in p.vector!;
    if (c.is_null) return p.payload[c.is_null.key] === null;
    const value = p.payload[c.key];
    const values = Array.isArray(value) ? value : [value];
    if (c.match?.value !== undefined) return values.includes(c.match.value);
    if (c.match?.any) return values.some((v) => c.match!.any!.includes(v));
    if (c.range) return (c.range.gte ?? -Infinity) <= Number(value) && Number(value) <= (c.range.lte ?? Infinity);
    return true;
  }

  private groups(collection: FakeCollection, body: Record<string, unknown>) {
    const query = body.query as number[];
    const dense = (v: unknown) => (Array.isArray(v) ? v : (v as Record<string, number[]>)['']) as number[];
    const scored = this.matching(collection, body.filter)
      .map((p) => ({ id: p.id, payload: p.payload, score: query.reduce((s, x, i) => s + x * dense(p.vector)[i]!, 0) }))
      .sort((a, b) => b.score - a.score);
    const byKey = new Map<unknown, typeof scored>();
    for (const hit of scored) {
      const key = hit.payload[String(body.group_by)];
      const list = byKey.get(key) ?? [];
      if (list.length < Number(body.group_size)) list.push(hit);
      byKey.set(key, list);
    }
    const groups = [...byKey].slice(0, Number(body.limit)).map(([id, hits]) => ({ id, hits }));
    return { groups };
  }
}
