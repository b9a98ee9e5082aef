import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CytoclipError, type SearchFilter } from '@cytoclip/domain';
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
import { checkDataVersion } from '../data-version.js';
import { checkGroupOptions } from '../groups.js';
import {
  Collection,
  COMPACT_MIN_DEAD,
  COMPACT_SHARE,
  type CollectionOptions,
  type CollectionStats,
  type CompactionReport,
} from './collection.js';
import { COMPACT_SEGMENT_POINTS } from './compact.js';
import { topPerGroup } from './groups.js';
import { EXACT_UP_TO, IVF_MIN_POINTS } from './ivf.js';
import { acquireLock } from './lock.js';
import { DEFAULT_NPROBE } from './ivf-search.js';
import { searchLexical } from './lexical-search.js';
import { bestPerField, scoreAll, searchCollection } from './search.js';

/**
 * The embedded store: one folder per collection under `<dataDir>/vectors`, nothing else to run. Every write is
 * durable when its promise resolves (segment fsynced, manifest renamed).
 */
export class EmbeddedVectorStore implements VectorStore {
  private readonly collections = new Map<string, Collection>();
  private closed = false;
  private unlock: () => void = () => {};

  private constructor(
    private readonly root: string,
    private readonly options: CollectionOptions,
  ) {}

  /** Opens (or creates) the store in `<dataDir>/vectors`; the options let tests take the IVF path on few points. */
  static async open(dataDir: string, options: Partial<CollectionOptions> = {}): Promise<EmbeddedVectorStore> {
    const root = join(dataDir, 'vectors');
    mkdirSync(root, { recursive: true });
    const unlock = acquireLock(root);
    const store = new EmbeddedVectorStore(root, {
      indexFrom: options.indexFrom ?? IVF_MIN_POINTS,
      exactUpTo: options.exactUpTo ?? EXACT_UP_TO,
      nprobe: options.nprobe ?? DEFAULT_NPROBE,
      compactShare: options.compactShare ?? COMPACT_SHARE,
      compactMinDead: options.compactMinDead ?? COMPACT_MIN_DEAD,
      compactSegmentPoints: options.compactSegmentPoints ?? COMPACT_SEGMENT_POINTS,
      ...(options.compactProbe ? { compactProbe: options.compactProbe } : {}),
    });
    store.unlock = unlock;
    for (const name of readdirSync(root)) {
      if (name === 'LOCK') continue;
      if (name.startsWith('.')) {
        rmSync(join(root, name), { recursive: true, force: true }); // a drop that was killed half-way
        continue;
      }
      const collection = Collection.open(join(root, name), store.options);
      if (collection) store.collections.set(name, collection);
    }
    return store;
  }

  async ensureCollection(name: string, spec: CollectionSpec): Promise<void> {
    this.checkOpen();
    validateSpec(name, spec);
    const existing = this.collections.get(name);
    if (existing) {
      if (existing.dim !== spec.dim) {
        throw new CytoclipError(
          'dimension_mismatch',
          `collection "${name}" has dimension ${existing.dim}, not ${spec.dim}`,
          {
            status: 409,
          },
        );
      }
      return;
    }
    this.collections.set(name, Collection.create(join(this.root, name), name, spec, this.options));
  }

  async listCollections(): Promise<CollectionInfo[]> {
    this.checkOpen();
    return [...this.collections.entries()]
      .map(([name, c]) => ({ name, dim: c.dim, count: c.rows.liveCount }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async dropCollection(name: string): Promise<void> {
    this.checkOpen();
    const collection = this.collections.get(name);
    if (!collection) return;
    collection.close();
    this.collections.delete(name);
    // Rename first: a drop killed half-way leaves a hidden folder that the next open removes, never half a collection.
    const trash = join(this.root, `.drop-${name}-${process.pid}`);
    renameSync(collection.dir, trash);
    rmSync(trash, { recursive: true, force: true });
  }

  async upsert(name: string, points: VectorPoint[]): Promise<void> {
    const collection = this.collection(name);
    checkPoints(points, collection.dim);
    collection.upsert(points);
  }

  async deleteWhere(name: string, where: DeleteWhere): Promise<number> {
    checkDeleteWhere(where);
    return this.collection(name).deleteWhere(where);
  }

  async search(name: string, vector: Float32Array, options: SearchOptions): Promise<SearchPage> {
    const collection = this.collection(name);
    checkVector(vector, collection.dim);
    const { filter, ...page } = checkSearchOptions(options);
    return searchCollection(collection, vector, filter, page);
  }

  async searchLexical(name: string, query: SparseVector, options: LexicalOptions): Promise<LexicalHit[]> {
    const collection = this.collection(name);
    checkSparse(query, 'lexical query');
    const { filter, limit, vector } = checkLexicalOptions(options, collection.dim);
    return searchLexical(collection, query, vector, filter, limit);
  }

  async lexicalCoverage(name: string): Promise<LexicalCoverage> {
    const { rows } = this.collection(name);
    return { points: rows.liveCount - rows.liveUnannotated, lexical: rows.lexical.liveRows };
  }

  async count(name: string, filter?: SearchFilter): Promise<number> {
    return this.collection(name).count(validateFilter(filter));
  }

  async get(name: string, ids: string[], withVectors = false): Promise<StoredPoint[]> {
    return this.collection(name).get(ids, withVectors);
  }

  async scoreAll(name: string, vector: Float32Array, filter: SearchFilter): Promise<ScoredPoint[]> {
    const collection = this.collection(name);
    checkVector(vector, collection.dim);
    return scoreAll(collection, vector, validateFilter(filter));
  }

  async bestPerField(
    name: string,
    vector: Float32Array,
    field: SummaryField,
    filter?: SearchFilter,
  ): Promise<FieldSummary[]> {
    const collection = this.collection(name);
    checkVector(vector, collection.dim);
    if (field !== 'gestationalWeek' && field !== 'region') {
      throw new CytoclipError(
        'invalid_field',
        `bestPerField works on "gestationalWeek" or "region", not "${String(field)}"`,
      );
    }
    return bestPerField(collection, vector, field, validateFilter(filter));
  }

  /**
   * Reclaims the space and scan time of overwritten and deleted points now (a write does it by itself once half the
   * rows are dead). Crash-safe: a kill at any point reopens with the same live points.
   */
  async compact(name: string): Promise<CompactionReport> {
    return this.collection(name).compact();
  }

  /** Live and dead rows, segments and bytes on disk of a collection. */
  async stats(name: string): Promise<CollectionStats> {
    return this.collection(name).stats();
  }

  async topPerGroup(name: string, vector: Float32Array, options: GroupOptions): Promise<PointGroup[]> {
    const collection = this.collection(name);
    checkVector(vector, collection.dim);
    return topPerGroup(collection, vector, checkGroupOptions(options));
  }

  async dataVersion(name: string): Promise<number> {
    return this.collection(name).dataVersion;
  }

  /** The embedded layout takes every format's points in place: only the points change (see `cytoclip reindex`). */
  async upgradeLayout(name: string): Promise<void> {
    this.collection(name);
  }

  async markDataVersion(name: string, version: number): Promise<void> {
    this.collection(name).markDataVersion(checkDataVersion(version));
  }

  /** Writes are durable already; flush saves the caches (int8 rows, IVF lists) so a reopen need not recompute them. */
  async flush(): Promise<void> {
    this.checkOpen();
    for (const collection of this.collections.values()) collection.checkpoint();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const collection of this.collections.values()) collection.close();
    this.collections.clear();
    this.closed = true;
    this.unlock();
  }

  private collection(name: string): Collection {
    this.checkOpen();
    const collection = this.collections.get(name);
    if (!collection) throw new CytoclipError('unknown_collection', `no vector collection "${name}"`, { status: 404 });
    return collection;
  }

  private checkOpen(): void {
    if (this.closed) throw new CytoclipError('store_closed', 'the vector store is closed', { status: 500 });
  }
}
