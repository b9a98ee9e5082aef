import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import { CytoclipError, type SearchFilter } from '@cytoclip/domain';
import { byScore, pageOf, summarise, totalFromPage, windowTotal } from '../ranking.js';
import type {
  CollectionInfo,
  CollectionSpec,
  DeleteWhere,
  FieldSummary,
  GroupOptions,
  LexicalCoverage,
  LexicalHit,
  LexicalOptions,
  PointGroup,
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
  DATA_VERSION_KEY,
  deleteFilter,
  fromLexicalPoint,
  fromRecord,
  fromScored,
  hasLexicalFilter,
  LEXICAL_VECTOR,
  lexicalRequest,
  searchParams,
  searchRequest,
  tieRequest,
  toQdrantFilter,
  toQdrantPoint,
  WEEK_KEY,
} from './builders.js';
import { DEFAULT_RETRY, withRetry, type RetryOptions } from './retry.js';
import { checkDataVersion } from '../data-version.js';
import { checkGroupOptions, MAX_GROUPS, MAX_PER_GROUP, shapeGroups } from '../groups.js';
import {
  aliasTargets,
  alreadyExists,
  copyPoints,
  createPhysical,
  generationOf,
  physicalName,
  pointAlias,
} from './layout.js';

export interface QdrantOptions {
  url: string;
  apiKey?: string;
  /** Per-request time-out in ms (a timed-out request is retried). */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** The client's version check against the server (on by default). */
  checkCompatibility?: boolean;
}

interface Known {
  dim: number;
  quantized: boolean;
  /** Has the named sparse vector: collections created before lexical vectors existed do not (Qdrant cannot add it). */
  lexical: boolean;
  /** Has the `weekKey` payload index (data format 2): grouping by week uses it. */
  weekKey: boolean;
  /** The data format stamped in the collection's metadata (1 when absent). */
  version: number;
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
      // The client warns when the server's minor differs by more than one (compose.yaml pins the client's minor).
      checkCompatibility: options.checkCompatibility ?? true,
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

  /**
   * Creates `<name>_v1` behind the alias `name` (see layout.ts), or checks the dimension of what `name` already is.
   * Safe when workers start together: a create that another worker won ("already exists") counts as done, and the
   * collection is read back before it is used.
   */
  async ensureCollection(name: string, spec: CollectionSpec): Promise<void> {
    validateSpec(name, spec);
    let known = await this.collection(name).catch((error: unknown) => {
      if ((error as CytoclipError).code === 'unknown_collection') return null;
      throw error;
    });
    if (!known) {
      const physical = physicalName(name, 1);
      await createPhysical(this.client, this.call.bind(this), physical, spec);
      try {
        await pointAlias(this.client, this.call.bind(this), name, physical, false);
      } catch (error) {
        if (!alreadyExists(error)) throw error; // another worker made the alias
      }
      this.known.delete(name);
      known = await this.collection(name);
    }
    if (known.dim !== spec.dim) {
      throw new CytoclipError(
        'dimension_mismatch',
        `collection "${name}" has dimension ${known.dim}, not ${spec.dim}`,
        {
          status: 409,
        },
      );
    }
  }

  /** By the names the platform uses: an alias stands for the collection behind it, which is not listed itself. */
  async listCollections(): Promise<CollectionInfo[]> {
    const { collections } = await this.call(() => this.client.getCollections());
    const targets = await aliasTargets(this.client, this.call.bind(this));
    const behind = new Set(targets.values());
    const names = [...collections.map((c) => c.name).filter((n) => !behind.has(n)), ...targets.keys()];
    const infos = await Promise.all(
      names.map(async (name) => {
        const info = await this.call(() => this.client.getCollection(name));
        return { name, dim: dimOf(info), count: await this.count(name) };
      }),
    );
    return infos.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Drops the alias and the collection behind it (or a pre-alias collection of that name). */
  async dropCollection(name: string): Promise<void> {
    const target = (await aliasTargets(this.client, this.call.bind(this))).get(name);
    if (target) {
      await this.call(() => this.client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: name } }] }));
    }
    await this.call(() => this.client.deleteCollection(target ?? name));
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
    // Bounded: one groups query of at most SUMMARY_SAMPLE hits per value and an exact count per value, never every
    // point. The median is exact for a value with at most SUMMARY_SAMPLE points, else the median of its best ones.
    // Unannotated points (region null) carry no region: Qdrant leaves them out of the region groups.
    const known = await this.collection(name);
    const groupBy = field === 'region' ? 'region' : known.weekKey ? WEEK_KEY : 'gestationalWeek';
    const limit = field === 'region' ? MAX_REGION_GROUPS : MAX_GROUPS;
    const groups = await this.groups(name, vector, groupBy, SUMMARY_SAMPLE, limit, validateFilter(filter));
    return groups
      .map(({ hits, count }) => {
        const scores = hits.map((h) => ({ value: h.payload[field]!, score: h.score }));
        return { ...summarise(scores)[0]!, count };
      })
      .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }

  /** One groups query by a payload key, and an exact count of each group found (under the same filter). */
  private async groups(
    name: string,
    vector: Float32Array,
    groupBy: string,
    perGroup: number,
    limit: number,
    filter: SearchFilter,
  ): Promise<{ hits: ScoredPoint[]; count: number }[]> {
    const known = await this.collection(name);
    checkVector(vector, known.dim);
    const qdrantFilter = toQdrantFilter(filter);
    const body: Schemas['QueryGroupsRequest'] = {
      query: Array.from(vector),
      filter: qdrantFilter,
      params: searchParams(known.quantized),
      group_by: groupBy,
      group_size: perGroup,
      limit,
      with_payload: true,
    };
    const { groups } = await this.call(() => this.client.queryGroups(name, body));
    const must = (qdrantFilter?.must as Schemas['Condition'][] | undefined) ?? [];
    return Promise.all(
      groups.map(async (group) => {
        const match = { key: groupBy, match: { value: group.id } } as Schemas['FieldCondition'];
        const counted = { filter: { must: [...must, match] }, exact: true };
        const { count } = await this.call(() => this.client.count(name, counted));
        return { hits: group.hits.map(fromScored), count };
      }),
    );
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

  /**
   * One groups query (`group_by` the week's text key, or the specimen; `group_size` perGroup; `limit` groups) and an
   * exact count per group found: bounded by groups × perGroup points, never every point the filter admits.
   */
  async topPerGroup(name: string, vector: Float32Array, options: GroupOptions): Promise<PointGroup[]> {
    const known = await this.collection(name);
    checkVector(vector, known.dim);
    const checked = checkGroupOptions(options);
    const groupBy = checked.field === 'specimen' ? 'specimen' : known.weekKey ? WEEK_KEY : 'gestationalWeek';
    const groups = await this.groups(name, vector, groupBy, checked.perGroup, checked.groups, checked.filter);
    const found = groups.map(({ hits, count }) => ({ value: hits[0]!.payload[checked.field], hits, count }));
    return shapeGroups(found, checked);
  }

  async dataVersion(name: string): Promise<number> {
    return (await this.collection(name)).version;
  }

  /**
   * A collection without the sparse vector (Qdrant cannot add one) or the week key index is rebuilt behind its alias:
   * a new `<name>_v<n+1>` with the current layout, every point copied, the alias switched atomically, the old one
   * dropped. A pre-alias collection is dropped before its alias is made (a moment without it: run with the API down).
   */
  async upgradeLayout(name: string): Promise<void> {
    const known = await this.collection(name);
    if (known.lexical && known.weekKey) return;
    const targets = await aliasTargets(this.client, this.call.bind(this));
    const old = targets.get(name) ?? name;
    const next = physicalName(name, generationOf(name, old) + 1);
    const spec: CollectionSpec = { dim: known.dim, quantization: known.quantized ? 'int8' : 'none' };
    await createPhysical(this.client, this.call.bind(this), next, spec, known.version);
    await copyPoints(this.client, this.call.bind(this), old, next);
    if (!targets.has(name)) await this.call(() => this.client.deleteCollection(old));
    await pointAlias(this.client, this.call.bind(this), name, next, targets.has(name));
    if (targets.has(name)) await this.call(() => this.client.deleteCollection(old));
    this.known.delete(name);
  }

  async markDataVersion(name: string, version: number): Promise<void> {
    await this.collection(name);
    const metadata = { [DATA_VERSION_KEY]: checkDataVersion(version) };
    // Updates address the collection itself: the one behind the alias (or a pre-alias collection of that name).
    const target = (await aliasTargets(this.client, this.call.bind(this))).get(name) ?? name;
    await this.call(() => this.client.updateCollection(target, { metadata }));
    this.known.delete(name);
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
    const stamped = info.config.metadata?.[DATA_VERSION_KEY];
    const known = {
      dim: dimOf(info),
      quantized: Boolean(info.config.quantization_config),
      lexical: Boolean(info.config.params.sparse_vectors?.[LEXICAL_VECTOR]),
      weekKey: Boolean(info.payload_schema?.[WEEK_KEY]),
      version: typeof stamped === 'number' ? stamped : 1,
    };
    this.known.set(name, known);
    return known;
  }
}

/** How many best hits per value `bestPerField` reads: its median is exact for values with at most this many points. */
const SUMMARY_SAMPLE = MAX_PER_GROUP;
/** The most regions one `bestPerField(…, 'region')` summarises (an ontology has a few hundred). */
const MAX_REGION_GROUPS = 1000;

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
