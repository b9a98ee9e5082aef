import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchFilter } from '@cytoclip/domain';
import type { CollectionSpec, DeleteWhere, PointPayload, ScoredPoint, StoredPoint, VectorPoint } from '../types.js';
import { Candidate, quantize } from './chunk.js';
import { Ivf } from './ivf.js';
import { loadIvf, saveIvf } from './ivf-file.js';
import { readManifest, removeLeftovers, writeManifest, type Manifest } from './manifest.js';
import { compileFilter, isRowLevel, type Matcher } from './matcher.js';
import { QuantizedFile } from './quantized-file.js';
import { Rows } from './rows.js';
import { readSegment, readVectorBlock, VectorReader, writeDeleteSegment, writeUpsertSegment } from './segments.js';

const IVF_FILE = 'ivf.bin';

interface PendingVectors {
  path: string;
  start: number;
  count: number;
}

export interface CollectionOptions {
  /** Live points from which an IVF index is kept (below it every search is an exact scan). */
  indexFrom: number;
  /** Filters that keep at most this many points are scanned exactly, skipping the index (≈1–2 ms at 512-d). */
  exactUpTo: number;
  /** IVF lists probed first (more when a filter or the per-section cap leaves the page short). */
  nprobe: number;
}

/** One collection on disk (manifest + segments) and in memory (rows, section chunks). */
export class Collection {
  readonly rows: Rows;
  private readonly quantized: QuantizedFile;
  ivf: Ivf | null = null;
  private savedAssigned = 0;
  private readonly reader: VectorReader;

  private constructor(
    readonly dir: string,
    private manifest: Manifest,
    readonly options: CollectionOptions,
  ) {
    this.rows = new Rows(manifest.dim);
    this.quantized = new QuantizedFile(dir, manifest.dim);
    this.reader = new VectorReader(manifest.dim);
  }

  get dim(): number {
    return this.manifest.dim;
  }

  static create(dir: string, name: string, spec: CollectionSpec, options: CollectionOptions): Collection {
    mkdirSync(dir, { recursive: true });
    const manifest: Manifest = {
      format: 'cytoclip-vectors/1',
      name,
      dim: spec.dim,
      quantization: spec.quantization ?? 'int8',
      segments: [],
      nextSegment: 1,
    };
    writeManifest(dir, manifest);
    return new Collection(dir, manifest, options);
  }

  /** Replays the segments the manifest lists, in order: the same rows, in the same order, as before the restart. */
  static open(dir: string, options: CollectionOptions): Collection | null {
    const manifest = readManifest(dir);
    if (!manifest) return null;
    removeLeftovers(dir, manifest);
    const collection = new Collection(dir, manifest, options);
    const pending = manifest.segments.map((file, segment) => collection.replay(segment, file));
    collection.rows.reserve();
    for (const upsert of pending) if (upsert) collection.fillVectors(upsert);
    collection.openIndex();
    return collection;
  }

  private openIndex(): void {
    const saved = loadIvf(join(this.dir, IVF_FILE), this.dim);
    const fits = (a: Int32Array) => a.length <= this.rows.size && a.every((list, row) => list >= 0 || !this.rows.isAlive(row));
    if (saved && fits(saved.assignments)) {
      this.ivf = saved.ivf;
      this.ivf.assign(this.rows, saved.assignments.length, saved.assignments);
      this.savedAssigned = saved.assignments.length;
      this.ivf.assign(this.rows, this.rows.size);
    }
    this.maintainIndex();
  }

  /** Builds the IVF index once the collection is big enough, and rebuilds it each time the collection doubles. */
  private maintainIndex(): void {
    const live = this.rows.liveCount;
    if (this.ivf) this.ivf.assign(this.rows, this.rows.size);
    if (live < this.options.indexFrom || (this.ivf && live <= 2 * this.ivf.builtFor)) return;
    this.ivf = Ivf.build(this.rows);
    this.saveIndex();
  }

  /** Makes the caches durable (int8 rows, IVF lists) so the next open reads them instead of recomputing. */
  checkpoint(): void {
    this.quantized.checkpoint();
    this.saveIndex();
  }

  private saveIndex(): void {
    if (!this.ivf || this.ivf.assigned === this.savedAssigned) return;
    saveIvf(join(this.dir, IVF_FILE), this.ivf);
    this.savedAssigned = this.ivf.assigned;
  }

  /** First pass of an open: ids, payloads and deletes of one segment; the vectors come in a second pass. */
  private replay(segment: number, file: string): PendingVectors | null {
    const path = join(this.dir, file);
    const content = readSegment(path, this.dim);
    if (content.kind === 'delete') {
      for (const id of content.ids) this.rows.kill(id);
      return null;
    }
    return { path, start: this.rows.appendMeta(segment, content.ids, content.payloads), count: content.ids.length };
  }

  /** Int8 vectors from the cache file, or from the f32 segment (then cached) where the cache stops short. */
  private fillVectors({ path, start, count }: PendingVectors): void {
    const cached = this.quantized.read(start, count);
    const quantized = cached ?? quantize(readVectorBlock(path, count, this.dim), this.dim);
    if (!cached) this.quantized.append(start, quantized);
    this.rows.fill(start, quantized);
  }

  upsert(points: VectorPoint[]): void {
    if (points.length === 0) return;
    // Last write wins inside one batch too, so a batch that repeats an id stores it once.
    const unique = [...new Map(points.map((p) => [p.id, p])).values()];
    const file = this.nextSegmentFile();
    writeUpsertSegment(join(this.dir, file), this.dim, unique);
    const segment = this.commitSegment(file);
    const vectors = new Float32Array(unique.length * this.dim);
    unique.forEach((p, i) => vectors.set(p.vector, i * this.dim));
    const quantized = quantize(vectors, this.dim);
    this.quantized.append(this.rows.size, quantized);
    const start = this.rows.appendMeta(
      segment,
      unique.map((p) => p.id),
      unique.map((p) => p.payload),
    );
    this.rows.fill(start, quantized);
    this.maintainIndex();
  }

  deleteWhere(where: DeleteWhere): number {
    const matcher = compileFilter({
      ...(where.atlas ? { atlases: [where.atlas] } : {}),
      ...(where.section ? { sections: [where.section] } : {}),
    });
    const ids = this.liveRows(matcher).map((row) => this.rows.ids[row]!);
    if (ids.length === 0) return 0;
    const file = this.nextSegmentFile();
    writeDeleteSegment(join(this.dir, file), ids);
    this.commitSegment(file);
    for (const id of ids) this.rows.kill(id);
    return ids.length;
  }

  private nextSegmentFile(): string {
    return `seg-${String(this.manifest.nextSegment).padStart(8, '0')}.bin`;
  }

  /** The segment is durable; listing it in the manifest is the commit point. */
  private commitSegment(file: string): number {
    this.manifest = { ...this.manifest, segments: [...this.manifest.segments, file], nextSegment: this.manifest.nextSegment + 1 };
    writeManifest(this.dir, this.manifest);
    return this.manifest.segments.length - 1;
  }

  count(filter: SearchFilter): number {
    const matcher = compileFilter(filter);
    if (!isRowLevel(matcher)) return this.matchingPartitions(matcher).reduce((sum, p) => sum + this.rows.partitions[p]!.live, 0);
    return this.liveRows(matcher).length;
  }

  matchingPartitions(matcher: Matcher): number[] {
    const out: number[] = [];
    this.rows.partitions.forEach((partition, index) => {
      if (partition.live > 0 && matcher.partition(partition.fields)) out.push(index);
    });
    return out;
  }

  /** Live points the filter keeps, counted without a scan when only section-level fields decide (an estimate for regions). */
  estimateMatches(matcher: Matcher): number {
    if (!matcher.section) return this.matchingPartitions(matcher).reduce((n, p) => n + this.rows.partitions[p]!.live, 0);
    return this.rows.sections.reduce(
      (n, s) => n + (s.live > 0 && matcher.section!(s.fields.section) && matcher.partition(s.fields) ? s.live : 0),
      0,
    );
  }

  /** Live rows the matcher keeps, partition by partition. */
  liveRows(matcher: Matcher): number[] {
    const out: number[] = [];
    for (const p of this.matchingPartitions(matcher)) {
      const { chunk } = this.rows.partitions[p]!;
      for (let i = 0; i < chunk.n; i++) {
        const row = chunk.rows[i]!;
        if (this.rowPasses(row, matcher)) out.push(row);
      }
    }
    return out;
  }

  /** Alive, and in the filter's sections and region subtree (its partition is checked by the caller). */
  rowPasses(row: number, matcher: Matcher): boolean {
    if (!this.rows.isAlive(row)) return false;
    if (matcher.section && !matcher.section(this.rows.sectionFields(row).section)) return false;
    return !matcher.region || matcher.region(this.rows.region(row));
  }

  get(ids: string[], withVectors: boolean): StoredPoint[] {
    const out: StoredPoint[] = [];
    for (const id of ids) {
      const row = this.rows.idToRow.get(id);
      if (row === undefined) continue;
      const point: StoredPoint = { id, payload: this.rows.payload(row) };
      if (withVectors) point.vector = this.vectorOf(row).slice();
      out.push(point);
    }
    return out;
  }

  vectorOf(row: number): Float32Array {
    const file = this.manifest.segments[this.rows.segmentOf[row]!]!;
    return this.reader.read(join(this.dir, file), this.rows.indexInSegment[row]!);
  }

  /** Exact f32 cosine of candidate rows, as hits. */
  rescore(query: Float32Array, candidates: Candidate[]): ScoredPoint[] {
    return candidates.map(({ row }) => ({ id: this.rows.ids[row]!, score: dot(query, this.vectorOf(row)), payload: this.payloadOf(row) }));
  }

  payloadOf(row: number): PointPayload {
    return this.rows.payload(row);
  }

  quantizeQuery(query: Float32Array): Int8Array {
    return quantize(query, this.dim);
  }

  close(): void {
    this.checkpoint();
    this.quantized.close();
    this.reader.close();
  }
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
