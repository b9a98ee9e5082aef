import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import { CytoclipError, type SearchFilter } from '@cytoclip/domain';
import { byScore, pageOf, summarise, totalFromPage, windowTotal } from '../ranking.js';
import type {
  CollectionInfo,
  CollectionSpec,
  DeleteWhere,
  FieldSummary,
  LexicalCoverage,
  LexicalHit,
  LexicalOptions,
  ScoredPoint,
  SearchOptions,
  SearchPage,
  SparseVector,
  StoredPoint,
  SummaryField,
  VectorPoint,
  VectorStore,
} from '../types.js';
import {
  checkDeleteWhere,
  checkLexicalOptions,
  checkPoints,
  checkSearchOptions,
  checkSparse,
  checkVector,
  validateFilter,
  validateSpec,
} from '../validate.js';
import {
  batches,
  countRequest,
  createCollectionRequest,
  deleteFilter,
  fromLexicalPoint,
  fromRecord,
  fromScored,
  hasLexicalFilter,
  LEXICAL_VECTOR,
  lexicalRequest,
  PAYLOAD_INDEXES,
  searchParams,
  searchRequest,
  tieRequest,
  toQdrantFilter,
  toQdrantPoint,
} from './builders.js';
import { DEFAULT_RETRY, withRetry, type RetryOptions } from './retry.js';

export interface QdrantOptions {
  url: string;
  apiKey?: string;
  /** Per-request time-out in ms (a timed-out request is retried). */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
}

interface Known {
  dim: number;
  quantized: boolean;
  /** Has the named sparse vector: collections created before lexical vectors existed do not (Qdrant cannot add it). */
  lexical: boolean;
}

/** The VectorStore on a Qdrant server, through @qdrant/js-client-rest. Point ids are the platform's UUIDs as they are. */
export class QdrantVectorStore implements VectorStore {
  private readonly known = new Map<string, Known>();

  private constructor(
    private readonly client: QdrantClient,
    private readonly url: string,
    private readonly retry: RetryOptions,
  ) {}

  /** Connects and checks the server answers, so a wrong QDRANT_URL fails at start-up with a clear message. */
  static async open(options: QdrantOptions): Promise<QdrantVectorStore> {
    const client = new QdrantClient({
      url: options.url,
      apiKey: options.apiKey,
      timeout: options.timeoutMs ?? 30_000,
      checkCompatibility: false,
    });
    const store = new QdrantVectorStore(client, options.url, { ...DEFAULT_RETRY, ...options.retry });
    try {
      await store.call(() => client.getCollections());
    } catch (cause) {
      throw new CytoclipError(
        'qdrant_unreachable',
        `Qdrant at ${options.url} does not answer: ${(cause as Error).message}`,
        {
          status: 503,
          cause,
        },
      );
    }
    return store;
  }

  private call<T>(request: () => Promise<T>): Promise<T> {
    return withRetry(request, this.retry);
  }

  async ensureCollection(name: string, spec: CollectionSpec): Promise<void> {
    validateSpec(name, spec);
    const { exists } = await this.call(() => this.client.collectionExists(name));
    if (exists) {
      const known = await this.collection(name);
      if (known.dim !== spec.dim) {
        throw new CytoclipError(
          'dimension_mismatch',
          `collection "${name}" has dimension ${known.dim}, not ${spec.dim}`,
          { status: 409 },
        );
      }
      return;
    }
    await this.call(() => this.client.createCollection(name, createCollectionRequest(spec)));
    for (const index of PAYLOAD_INDEXES) {
      await this.call(() => this.client.createPayloadIndex(name, { ...index, wait: true }));
    }
    this.known.set(name, { dim: spec.dim, quantized: spec.quantization === 'int8', lexical: true });
  }

  async listCollections(): Promise<CollectionInfo[]> {
    const { collections } = await this.call(() => this.client.getCollections());
    const infos = await Promise.all(
      collections.map(async ({ name }) => {
        const info = await this.call(() => this.client.getCollection(name));
        return { name, dim: dimOf(info), count: await this.count(name) };
      }),
    );
    return infos.sort((a, b) => a.name.localeCompare(b.name));
  }

  async dropCollection(name: string): Promise<void> {
    await this.call(() => this.client.deleteCollection(name));
    this.known.delete(name);
  }

  async upsert(name: string, points: VectorPoint[]): Promise<void> {
    const { dim, lexical } = await this.collection(name);
    checkPoints(points, dim);
    // Last write wins inside one batch, as in the embedded store.
    const unique = [...new Map(points.map((p) => [p.id, p])).values()];
    for (const batch of batches(unique)) {
      const body = { wait: true, points: batch.map((p) => toQdrantPoint(p, lexical)) };
      await this.call(() => this.client.upsert(name, body));
    }
  }

  async deleteWhere(name: string, where: DeleteWhere): Promise<number> {
    checkDeleteWhere(where);
    await this.collection(name);
    const filter = deleteFilter(where);
    const { count } = await this.call(() => this.client.count(name, { filter, exact: true }));
    if (count > 0) await this.call(() => this.client.delete(name, { wait: true, filter }));
    return count;
  }

  async search(name: string, vector: Float32Array, options: SearchOptions): Promise<SearchPage> {
    const known = await this.collection(name);
    checkVector(vector, known.dim);
    const page = checkSearchOptions(options);
    const hits = await this.page(name, vector, page, known.quantized);
    const counted = totalFromPage(hits.length, page) ?? (await this.countHits(name, vector, page, known.quantized));
    return { hits, ...windowTotal(counted) };
  }

  /** One page: Qdrant ranks, thresholds and (with groups) caps; the groups' hits are merged best first and paged. */
  private async page(
    name: string,
    vector: Float32Array,
    page: ReturnType<typeof checkSearchOptions>,
    quantized: boolean,
  ): Promise<ScoredPoint[]> {
    const request = searchRequest(vector, page, quantized);
    if (request.kind === 'query') {
      const { points } = await this.call(() => this.client.query(name, request.body));
      return points.map(fromScored);
    }
    const { groups } = await this.call(() => this.client.queryGroups(name, request.body));
    return pageOf(groups.flatMap((group) => group.hits.map(fromScored)).sort(byScore), page);
  }

  /** The hits every page of the search holds together, counted by Qdrant up to one past the window. */
  private async countHits(
    name: string,
    vector: Float32Array,
    page: ReturnType<typeof checkSearchOptions>,
    quantized: boolean,
  ): Promise<number> {
    const request = countRequest(vector, page, quantized);
    if (request.kind === 'count') return (await this.call(() => this.client.count(name, request.body))).count;
    if (request.kind === 'query') return (await this.call(() => this.client.query(name, request.body))).points.length;
    const { groups } = await this.call(() => this.client.queryGroups(name, request.body));
    return groups.reduce((n, group) => n + group.hits.length, 0);
  }

  /**
   * BM25 through the sparse vector (IDF modifier), the cosines from the returned dense vectors; a tie of BM25 across
   * the cut is settled by the dense cosine with a second, prefetch-then-dense query (see tieRequest).
   */
  async searchLexical(name: string, query: SparseVector, options: LexicalOptions): Promise<LexicalHit[]> {
    const known = await this.collection(name);
    checkSparse(query, 'lexical query');
    const { filter, limit, vector } = checkLexicalOptions(options, known.dim);
    if (!known.lexical || query.indices.length === 0) return [];
    const first = await this.call(() => this.client.query(name, lexicalRequest(query, filter, limit)));
    const hits = first.points.map((p) => fromLexicalPoint(p, vector));
    if (hits.length <= limit || hits[limit - 1]!.lexical !== hits[limit]!.lexical)
      return sortLexical(hits).slice(0, limit);
    const cut = hits[limit - 1]!.lexical;
    const above = hits.filter((h) => h.lexical > cut);
    const body = tieRequest(query, vector, filter, cut, limit, known.quantized);
    const seen = new Set(above.map((h) => h.id));
    const { points } = await this.call(() => this.client.query(name, body));
    const tied = points
      .filter((p) => !seen.has(String(p.id)))
      .map((p) => ({ ...fromScored(p), lexical: cut }))
      .slice(0, limit - above.length);
    return sortLexical([...above, ...tied]);
  }

  async lexicalCoverage(name: string): Promise<LexicalCoverage> {
    const known = await this.collection(name);
    // Unannotated points (region null) are not due a lexical vector: left out of `points`.
    const annotated = { must_not: [{ is_null: { key: 'region' } }] };
    const points = (await this.call(() => this.client.count(name, { filter: annotated, exact: true }))).count;
    if (!known.lexical) return { points, lexical: 0 };
    const body = { filter: hasLexicalFilter(), exact: true };
    return { points, lexical: (await this.call(() => this.client.count(name, body))).count };
  }

  async count(name: string, filter?: SearchFilter): Promise<number> {
    const qdrantFilter = toQdrantFilter(validateFilter(filter));
    await this.collection(name);
    const { count } = await this.call(() => this.client.count(name, { filter: qdrantFilter, exact: true }));
    return count;
  }

  async get(name: string, ids: string[], withVectors = false): Promise<StoredPoint[]> {
    await this.collection(name);
    if (ids.length === 0) return [];
    const records = await this.call(() =>
      this.client.retrieve(name, { ids, with_payload: true, with_vector: withVectors }),
    );
    const byId = new Map(records.map((record) => [String(record.id), fromRecord(record, withVectors)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Every matching point's score, by asking for as many hits as the filter keeps (meant for one section). */
  async scoreAll(name: string, vector: Float32Array, filter: SearchFilter): Promise<ScoredPoint[]> {
    return this.scoreEvery(name, vector, filter, true);
  }

  async bestPerField(
    name: string,
    vector: Float32Array,
    field: SummaryField,
    filter?: SearchFilter,
  ): Promise<FieldSummary[]> {
    if (field !== 'gestationalWeek' && field !== 'region') {
      throw new CytoclipError(
        'invalid_field',
        `bestPerField works on "gestationalWeek" or "region", not "${String(field)}"`,
      );
    }
    const scored = await this.scoreEvery(name, vector, filter ?? {}, false);
    // Unannotated points (region null) have no region to summarise under.
    const valued = scored.flatMap((hit) => {
      const value = hit.payload[field];
      return value === null ? [] : [{ value, score: hit.score }];
    });
    return summarise(valued);
  }

  private async scoreEvery(
    name: string,
    vector: Float32Array,
    filter: SearchFilter,
    payload: boolean,
  ): Promise<ScoredPoint[]> {
    const known = await this.collection(name);
    checkVector(vector, known.dim);
    const total = await this.count(name, filter);
    if (total === 0) return [];
    const body: Schemas['QueryRequest'] = {
      query: Array.from(vector),
      filter: toQdrantFilter(validateFilter(filter)),
      params: { ...searchParams(known.quantized), exact: true },
      limit: total,
      with_payload: payload ? true : ['gestationalWeek', 'region'],
    };
    const { points } = await this.call(() => this.client.query(name, body));
    return points.map(fromScored);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.known.clear();
  }

  /** The collection's dimension and quantization, asked once; a missing collection is a 404 naming it. */
  private async collection(name: string): Promise<Known> {
    const cached = this.known.get(name);
    if (cached) return cached;
    let info: Schemas['CollectionInfo'];
    try {
      info = await this.call(() => this.client.getCollection(name));
    } catch (cause) {
      if ((cause as { status?: number }).status === 404) {
        throw new CytoclipError('unknown_collection', `no vector collection "${name}" on ${this.url}`, {
          status: 404,
          cause,
        });
      }
      throw cause;
    }
    const known = {
      dim: dimOf(info),
      quantized: Boolean(info.config.quantization_config),
      lexical: Boolean(info.config.params.sparse_vectors?.[LEXICAL_VECTOR]),
    };
    this.known.set(name, known);
    return known;
  }
}

/** The lexical list's order: BM25, then dense cosine, then id (the embedded store's). */
function sortLexical(hits: LexicalHit[]): LexicalHit[] {
  return hits.sort((a, b) => b.lexical - a.lexical || byScore(a, b));
}

function dimOf(info: Schemas['CollectionInfo']): number {
  const vectors = info.config.params.vectors;
  if (vectors && 'size' in vectors && typeof vectors.size === 'number') return vectors.size;
  throw new CytoclipError(
    'unsupported_collection',
    'the Qdrant collection has named vectors; the platform uses one unnamed vector',
    {
      status: 500,
    },
  );
}
