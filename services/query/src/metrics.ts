import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ModelIndex, QueryModel, QueryVectors } from './ports.js';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Vector-store calls timed as `cytoclip_store_duration_seconds{operation}`. */
const STORE_OPERATIONS = new Set(['search', 'count', 'get', 'scoreAll', 'weekSummary', 'topPerWeek', 'deleteAtlas']);
const EMBED_CALLS: Record<string, string> = { embedTexts: 'text', embedImages: 'image' };

let processRegistry: Registry | null = null;

/** Node's own series (CPU, memory, event-loop lag, GC, handles): one set a process, however many apps it runs. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * What `observeIngest` reads of an ingest progress event (`@cytoclip/ingest`'s IngestProgress, which sits above this
 * package: the CLI passes its events straight through).
 */
export interface IngestEvent {
  runId: string;
  state: 'started' | 'tiles' | 'section-done' | 'section-failed' | 'indexing' | 'stopping' | 'finished';
  tiles: number;
  tilesPerSecond: number;
}

/**
 * The app's Prometheus series (prom-client), rendered with the process defaults at /metrics: requests, store and
 * model latency, points per index, and ingest progress when the ingest runner reports it (`observeIngest`).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'cytoclip_http_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'cytoclip_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly searches = new Counter({
    name: 'cytoclip_searches_total',
    help: 'Searches by query kind (text, image, tileId, regionImageId, upload) and target.',
    labelNames: ['query', 'target'],
    registers: [this.registry],
  });
  private readonly store = new Histogram({
    name: 'cytoclip_store_duration_seconds',
    help: 'Vector store calls made by the API (search is the search latency of the store).',
    labelNames: ['operation'],
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly embed = new Histogram({
    name: 'cytoclip_model_embed_duration_seconds',
    help: "Query-time embedding calls: waiting for the model's micro-batch and running it.",
    labelNames: ['model', 'kind'],
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly ingestTiles = new Counter({
    name: 'cytoclip_ingest_tiles_total',
    help: 'Tiles embedded by ingest runs in this process.',
    registers: [this.registry],
  });
  private readonly ingestSections = new Counter({
    name: 'cytoclip_ingest_sections_total',
    help: 'Sections ingest finished in this process, by outcome (done, failed).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly ingestRate = new Gauge({
    name: 'cytoclip_ingest_tiles_per_second',
    help: 'Tiles per second of the ingest runs going on in this process (0 when none).',
    registers: [this.registry],
  });
  private readonly ingestRuns = new Gauge({
    name: 'cytoclip_ingest_runs_active',
    help: 'Ingest runs going on in this process.',
    registers: [this.registry],
  });
  /** Per running ingest run: tiles counted so far and its latest rate. */
  private readonly runs = new Map<string, { tiles: number; rate: number }>();

  /** `indexes` feeds `cytoclip_index_points{model,variant,collection}` at each scrape (the store's point counts). */
  constructor(indexes: () => Promise<ModelIndex[]> = async () => []) {
    processMetrics();
    new Gauge({
      name: 'cytoclip_index_points',
      help: "Points in each model's vector collection.",
      labelNames: ['model', 'variant', 'collection'],
      registers: [this.registry],
      async collect() {
        this.reset();
        // A scrape while the stores open or close answers without the series rather than failing whole.
        const found = await indexes().catch(() => []);
        for (const i of found) this.set({ model: i.model, variant: i.variant, collection: i.collection }, i.items);
      },
    });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  countSearch(query: string, target: string): void {
    this.searches.inc({ query, target });
  }

  /** Feed it ingest's `onProgress` events (the CLI does for POST /v1/ingest and its start-up ingest). */
  observeIngest(event: IngestEvent): void {
    // The closing events repeat the run's totals, already counted: they only end the run.
    if (event.state === 'indexing' || event.state === 'finished') {
      this.runs.delete(event.runId);
    } else {
      const run = this.runs.get(event.runId) ?? { tiles: 0, rate: 0 };
      if (event.tiles > run.tiles) this.ingestTiles.inc(event.tiles - run.tiles);
      this.runs.set(event.runId, { tiles: Math.max(run.tiles, event.tiles), rate: event.tilesPerSecond });
      if (event.state === 'section-done') this.ingestSections.inc({ outcome: 'done' });
      if (event.state === 'section-failed') this.ingestSections.inc({ outcome: 'failed' });
    }
    this.ingestRuns.set(this.runs.size);
    this.ingestRate.set([...this.runs.values()].reduce((sum, r) => sum + r.rate, 0));
  }

  /** The vector store with its calls timed; everything else passes through untouched (optional methods stay absent). */
  timeStore(vectors: QueryVectors): QueryVectors {
    return wrapCalls(vectors, STORE_OPERATIONS, (operation) => this.store.startTimer({ operation }));
  }

  /** The model with its query-time embedding calls timed. */
  timeModel(model: QueryModel): QueryModel {
    return wrapCalls(model, new Set(Object.keys(EMBED_CALLS)), (call) =>
      this.embed.startTimer({ model: model.info.id, kind: EMBED_CALLS[call]! }),
    );
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    return `${await processMetrics().metrics()}\n${await this.registry.metrics()}`;
  }
}

/** A proxy whose `names` methods are timed by `start(name)()`; methods run on the original object. */
function wrapCalls<T extends object>(target: T, names: Set<string>, start: (name: string) => () => void): T {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object) as unknown;
      if (typeof property !== 'string' || !names.has(property) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const stop = start(property);
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
        } finally {
          stop();
        }
      };
    },
  });
}
