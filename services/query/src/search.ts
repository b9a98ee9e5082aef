import { CytoclipError, loadThesaurus, type SearchFilter, type Thesaurus, type Variant } from '@cytoclip/domain';
import type { QueryConfig } from './config.js';
import { combinedQuery, isCombined, retrieveExcluding } from './examples.js';
import { embedUpload, modelNotes, type EmbeddedUpload, type ModelNotes, type UploadReport } from './honesty.js';
import { retrieve, type RankedHit, type Ranks, type RetrievalNotice } from './hybrid.js';
import { checkUpload, decodeBase64Image } from './images.js';
import { Lru } from './lru.js';
import { FilterSuggester, type SuggestedFilter } from './suggest.js';
import { OntologyIndex } from './ontology.js';
import type {
  Hit,
  ItemRecord,
  LexicalCoverage,
  ModelIndex,
  QueryCatalog,
  QueryModel,
  QueryVectors,
  SearchPage,
} from './ports.js';
import {
  cutoffNotices,
  noDataNotice,
  regionsNamed,
  resolveCutoff,
  searchExcluding,
  type AppliedCutoff,
  type Notice,
} from './relevance.js';
import { queryWords, type QueryInput, type Retrieval, type SearchRequest } from './schemas.js';

export interface Backend {
  catalog: QueryCatalog;
  vectors: QueryVectors;
  models: QueryModel[];
}

export interface ResolvedModel {
  index: ModelIndex;
  /** The runtime, where this model is loaded (tileId / regionImageId queries work without one). */
  model: QueryModel | null;
}

export interface SearchResult {
  id: string;
  score: number;
  kind: 'tile' | 'region';
  region: { acronym: string; name: string; path: string[] } | null;
  atlas: string;
  specimen: string;
  gestationalWeek: number;
  plane: ItemRecord['plane'];
  section: string;
  bbox: [number, number, number, number];
  imageUrl: string;
  /** Search results only: the ranks in the dense and lexical lists it came from. */
  rank?: Ranks;
}

export interface SearchAnswer {
  results: SearchResult[];
  /** What the pages of this request return together (the store's count); `totalExact: false` past 10,000. */
  total: number;
  totalExact: boolean;
  retrieval: Retrieval;
  model: string;
  unknownWords: string[];
  /** The relevance cutoff applied (the store's minScore) and where it came from. */
  cutoff: AppliedCutoff;
  notices: Notice[];
  /** What the text says about age, plane, specimen and region, as a filter to offer; null without text or words. */
  suggestedFilter: SuggestedFilter | null;
  modelCard: ModelNotes['modelCard'];
  notice: ModelNotes['notice'];
  /** Uploaded images only: whether it looks like what the model was fitted on, and what became of it. */
  outOfDistribution?: boolean;
  outOfDistributionReason?: string | null;
  upload?: UploadReport;
}

/** A query's vector, the words the tokenizer does not know, and for an upload how it was embedded and judged. */
export interface QueryVector {
  vector: Float32Array;
  unknownWords: string[];
  upload?: EmbeddedUpload;
  /** Several examples (examples.ts): the stored examples left out of results, the cutoff kind, what to say. */
  exclude?: string[];
  ranksAsText?: boolean;
  notices?: Notice[];
}

// Short caches for what changes only when an ingest or a delete finishes (both call invalidate()).
const ONTOLOGY_TTL_MS = 30_000;
const INDEX_TTL_MS = 2_000;

export function variantOf(target: 'tiles' | 'regions'): Variant {
  return target === 'tiles' ? 'tile' : 'region';
}

/** The search logic of formats.md §4, independent of HTTP. */
export class SearchService {
  private ontologyCache: { at: number; index: OntologyIndex } | null = null;
  private indexCache: { at: number; indexes: Promise<ModelIndex[]> } | null = null;
  // An item's metadata never changes for its id (ids are content keys); only a delete or re-ingest clears them.
  private readonly itemCache = new Lru<string, ItemRecord>(200_000);
  // Paging through one query re-asks the same text: embed it once per model.
  private readonly textCache = new Lru<string, Float32Array>(2_000);
  // Whether a region has items in an index: asked per search that filters or names regions; changes with ingest.
  private readonly regionCounts = new Lru<string, { at: number; count: Promise<number> }>(10_000);
  // How many of a collection's items carry a lexical vector: asked per hybrid search; changes with ingest or reindex.
  private readonly coverage = new Map<string, { at: number; coverage: Promise<LexicalCoverage | null> }>();
  // Words as filters over the ontology, the thesaurus and the specimens; rebuilt with the ontology.
  private suggesterCache: { at: number; suggester: Promise<FilterSuggester> } | null = null;
  private thesaurus: Thesaurus | null = null;

  constructor(
    readonly backend: Backend,
    readonly config: QueryConfig,
  ) {}

  async ontology(): Promise<OntologyIndex> {
    if (this.ontologyCache && Date.now() - this.ontologyCache.at < ONTOLOGY_TTL_MS) return this.ontologyCache.index;
    const index = new OntologyIndex(await this.backend.catalog.regions());
    this.ontologyCache = { at: Date.now(), index };
    return index;
  }

  invalidate(): void {
    this.ontologyCache = null;
    this.indexCache = null;
    this.itemCache.clear();
    this.regionCounts.clear();
    this.coverage.clear();
    this.suggesterCache = null;
  }

  suggester(): Promise<FilterSuggester> {
    if (this.suggesterCache && Date.now() - this.suggesterCache.at < ONTOLOGY_TTL_MS)
      return this.suggesterCache.suggester;
    this.thesaurus ??= loadThesaurus();
    const thesaurus = this.thesaurus;
    const suggester = Promise.all([this.ontology(), this.backend.catalog.specimens()]).then(
      ([ontology, specimens]) =>
        new FilterSuggester(ontology.regions, thesaurus, [...new Set(specimens.map((s) => s.id))]),
    );
    this.suggesterCache = { at: Date.now(), suggester };
    suggester.catch(() => (this.suggesterCache = null));
    return suggester;
  }

  /** The collection's lexical coverage, cached like the model indexes (null when the store keeps no lexical vectors). */
  lexicalCoverage(collection: string): Promise<LexicalCoverage | null> {
    const cached = this.coverage.get(collection);
    if (cached && Date.now() - cached.at < INDEX_TTL_MS) return cached.coverage;
    const coverage = this.backend.vectors.lexicalCoverage?.(collection) ?? Promise.resolve(null);
    this.coverage.set(collection, { at: Date.now(), coverage });
    coverage.catch(() => this.coverage.delete(collection));
    return coverage;
  }

  /** Catalog items by id through the cache. */
  async items(ids: string[], kind?: ItemRecord['kind']): Promise<Map<string, ItemRecord>> {
    const out = new Map<string, ItemRecord>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = this.itemCache.get(id);
      if (cached && (!kind || cached.kind === kind)) out.set(id, cached);
      else missing.push(id);
    }
    if (missing.length) {
      for (const [id, item] of await this.backend.catalog.items(missing, kind)) {
        this.itemCache.set(id, item);
        out.set(id, item);
      }
    }
    return out;
  }

  async embedText(model: QueryModel, text: string): Promise<Float32Array> {
    const key = `${model.info.id}\u0000${text}`;
    const cached = this.textCache.get(key);
    if (cached) return cached;
    const [vector] = await model.embedTexts([text]);
    this.textCache.set(key, vector!);
    return vector!;
  }

  async modelIndexes(): Promise<ModelIndex[]> {
    if (!this.indexCache || Date.now() - this.indexCache.at > INDEX_TTL_MS) {
      const indexes = this.backend.catalog.modelIndexes();
      this.indexCache = { at: Date.now(), indexes };
      indexes.catch(() => (this.indexCache = null));
    }
    return this.indexCache.indexes;
  }

  /** The requested model, or the newest complete index of the variant (the newest partial one while ingest runs). */
  async resolveModel(variant: Variant, requested?: string): Promise<ResolvedModel> {
    const indexes = (await this.modelIndexes()).filter((i) => i.variant === variant && i.items > 0);
    const loaded = (id: string) => this.backend.models.find((m) => m.info.id === id) ?? null;
    if (requested) {
      const index = indexes.find((i) => i.model === requested);
      if (!index) {
        const names = indexes.map((i) => i.model).join(', ') || 'none';
        throw new CytoclipError('unknown_model', `model ${requested} has no ${variant} index (indexed: ${names})`, {
          status: 404,
          detail: { field: 'model', message: 'not indexed' },
        });
      }
      return { index, model: loaded(index.model) };
    }
    const usable = indexes.filter((i) => loaded(i.model));
    const newest = (list: ModelIndex[]) =>
      [...list].sort((a, b) => (b.completedAt ?? '').localeCompare(a.completedAt ?? ''))[0];
    const index = newest(usable.filter((i) => i.complete)) ?? usable.sort((a, b) => b.items - a.items)[0];
    if (!index) {
      throw new CytoclipError('no_index', `no ${variant} model is indexed yet: ingest an atlas first`, { status: 404 });
    }
    return { index, model: loaded(index.model) };
  }

  requireModel(resolved: ResolvedModel): QueryModel {
    if (resolved.model) return resolved.model;
    throw new CytoclipError(
      'model_not_loaded',
      `model ${resolved.index.model} is indexed but not loaded by this server; query by tileId or pick a loaded model`,
      {
        status: 409,
        detail: { field: 'model', message: 'not loaded' },
      },
    );
  }

  /** The query's vector in the index's space, with the words the tokenizer does not know. */
  async queryVector(
    query: QueryInput,
    resolved: ResolvedModel,
    target: 'tiles' | 'regions',
    options: { micronsPerPixel?: number } = {},
  ): Promise<QueryVector> {
    const { index } = resolved;
    if (isCombined(query)) return combinedQuery(this, query, resolved, target);
    if (query.text !== undefined) {
      const model = this.requireModel(resolved);
      return { vector: await this.embedText(model, query.text), unknownWords: model.unknownWords(query.text) };
    }
    if (query.image !== undefined) {
      const model = this.requireModel(resolved);
      const bytes = decodeBase64Image(query.image, 'query.image');
      await checkUpload(bytes, this.config.maxImagePixels, 'query.image');
      const upload = await embedUpload(
        bytes,
        model,
        { collection: index.collection, vectors: this.backend.vectors },
        { micronsPerPixel: options.micronsPerPixel, maxPixels: this.config.maxImagePixels },
      );
      return { vector: upload.mean, unknownWords: [], upload };
    }
    const id = (query.tileId ?? query.regionImageId)!;
    const field = query.tileId ? 'query.tileId' : 'query.regionImageId';
    if ((query.tileId && target !== 'tiles') || (query.regionImageId && target !== 'regions')) {
      throw new CytoclipError('target_mismatch', `${field} searches target ${query.tileId ? 'tiles' : 'regions'}`, {
        detail: { field: 'target', message: 'does not match the query kind' },
      });
    }
    const vector = await this.backend.vectors.get(index.collection, id);
    if (!vector) {
      throw new CytoclipError('not_found', `${field} ${id} is not in the ${index.model} index`, {
        status: 404,
        detail: { field, message: 'not found' },
      });
    }
    return { vector, unknownWords: [] };
  }

  /** Rejects regions the ontology does not know; the stores match each region's subtree themselves (regionPath). */
  async storeFilter(filter: SearchFilter): Promise<SearchFilter> {
    if (!filter.regions?.length) return filter;
    const ontology = await this.ontology();
    const unknown = filter.regions.filter((r) => !ontology.has(r));
    if (unknown.length) {
      throw new CytoclipError('unknown_region', `unknown region ${unknown.join(', ')}`, {
        detail: { field: 'filter.regions', message: 'unknown acronym' },
      });
    }
    return filter;
  }

  /**
   * One page: the store applies the filter, minScore (the request's, or the calibrated cutoff) and perSection and
   * counts the total under the same rules; a tileId / regionImageId query leaves its own item out.
   */
  async search(request: SearchRequest): Promise<SearchAnswer> {
    const resolved = await this.resolveModel(variantOf(request.target), request.model);
    const filter = await this.storeFilter(request.filter);
    const queried = await this.queryVector(request.query, resolved, request.target, request);
    const { vector, unknownWords, upload } = queried;
    const words = queryWords(request.query);
    const asText = queried.ranksAsText ?? request.query.text !== undefined;
    const cutoff = resolveCutoff({ ...request, query: asText ? { text: words ?? '' } : {} }, resolved.model);
    const options = {
      filter,
      limit: request.limit,
      offset: request.offset,
      minScore: cutoff.minScore ?? undefined,
      perSection: request.perSection,
    };
    const self = queried.exclude ? undefined : (request.query.tileId ?? request.query.regionImageId);
    const collection = resolved.index.collection;
    const input = {
      collection,
      vector,
      retrieval: request.retrieval,
      options,
      lexicalMinScore: request.minScore,
      coverage: () => this.lexicalCoverage(collection),
      ...(words !== undefined ? { text: words } : {}),
    };
    const page: SearchPage & { notices?: RetrievalNotice[] } = self
      ? await searchExcluding(this.backend.vectors, collection, vector, options, self, this.config.maxWindow)
      : queried.exclude?.length
        ? await retrieveExcluding(this, input, queried.exclude)
        : await retrieve(this.backend.vectors, input);
    const items = await this.items(
      page.hits.map((h) => h.id),
      request.target === 'tiles' ? 'tile' : 'region',
    );
    return {
      results: await this.hydrate(page.hits, items),
      total: page.total,
      totalExact: page.totalExact,
      retrieval: request.retrieval,
      model: resolved.index.model,
      unknownWords,
      cutoff,
      notices: [
        ...(queried.notices ?? []),
        ...(page.notices ?? []),
        ...cutoffNotices(cutoff, resolved.index.model),
        ...(await this.noDataNotices({ ...request, query: { text: words } }, resolved)),
      ],
      suggestedFilter: words === undefined ? null : (await this.suggester()).suggest(words),
      ...modelNotes(resolved.model, resolved.index.model),
      ...(upload ? uploadVerdict(upload) : {}),
    };
  }

  /** "No data for this region": filtered or named regions without a single item in the index. */
  async noDataNotices(
    request: { filter: SearchFilter; query: QueryInput; target: 'tiles' | 'regions' },
    resolved: ResolvedModel,
  ): Promise<Notice[]> {
    const ontology = await this.ontology();
    const named = request.query.text !== undefined ? regionsNamed(request.query.text, ontology) : [];
    const asked = [...new Set([...(request.filter.regions ?? []), ...named])];
    const counts = await Promise.all(asked.map((r) => this.regionCount(resolved.index.collection, r)));
    return noDataNotice(
      asked.filter((_, i) => counts[i] === 0),
      ontology,
      request.target,
    );
  }

  private regionCount(collection: string, region: string): Promise<number> {
    const key = `${collection}\u0000${region}`;
    const cached = this.regionCounts.get(key);
    if (cached && Date.now() - cached.at < ONTOLOGY_TTL_MS) return cached.count;
    const count = this.backend.vectors.count(collection, { regions: [region] });
    this.regionCounts.set(key, { at: Date.now(), count });
    count.catch(() => this.regionCounts.set(key, { at: 0, count })); // a failed count is asked again
    return count;
  }

  async hydrate(hits: Hit[], known?: Map<string, ItemRecord>): Promise<SearchResult[]> {
    const items = known ?? (await this.items(hits.map((h) => h.id)));
    const ontology = await this.ontology();
    const results: SearchResult[] = [];
    for (const hit of hits) {
      const item = items.get(hit.id);
      if (item) results.push(toResult(item, hit.score, ontology, (hit as Partial<RankedHit>).rank));
    }
    return results;
  }
}

export function toResult(item: ItemRecord, score: number, ontology: OntologyIndex, rank?: Ranks): SearchResult {
  const region = item.region
    ? { acronym: item.region, name: ontology.get(item.region)?.name ?? item.region, path: ontology.path(item.region) }
    : null;
  return {
    id: item.id,
    score,
    kind: item.kind,
    region,
    atlas: item.atlas,
    specimen: item.specimen,
    gestationalWeek: item.gestationalWeek,
    plane: item.plane,
    section: item.section,
    bbox: item.bbox,
    imageUrl: item.kind === 'tile' ? `/v1/tiles/${item.id}/image` : `/v1/region-images/${item.id}/image`,
    ...(rank ? { rank } : {}),
  };
}

/** The fields an upload adds to an answer. */
export function uploadVerdict(upload: EmbeddedUpload) {
  return {
    outOfDistribution: upload.outOfDistribution,
    outOfDistributionReason: upload.outOfDistributionReason,
    upload: upload.report,
  };
}
