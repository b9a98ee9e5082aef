import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32, type SearchFilter } from '@cytoclip/domain';
import { DATA_VERSION } from '../data-version.js';
import type { CollectionSpec, DeleteWhere, PointPayload, ScoredPoint, StoredPoint, VectorPoint } from '../types.js';
import { Chunk, quantize, type Candidate } from './chunk.js';
import { writeCompacted } from './compact.js';
import { syncDir } from './files.js';
import { assignAll, Ivf } from './ivf.js';
import { loadIvf, saveIvf } from './ivf-file.js';
import { Lists } from './lists.js';
import { readManifest, removeLeftovers, writeManifest, type Manifest } from './manifest.js';
import { compileFilter, isRowLevel, type Matcher } from './matcher.js';
import { CHECKPOINT_FILE, installQuantized, QuantizedFile } from './quantized-file.js';
import { Rows } from './rows.js';
import { readSegment, readVectorBlock, VectorReader, writeDeleteSegment, writeUpsertSegment } from './segments.js';
import { loadSnapshot, saveSnapshot } from './snapshot.js';

const IVF_FILE = 'ivf.bin';
/** Rows read from the int8 cache at a time when opening. */
const OPEN_BLOCK = 65_536;

export interface CollectionOptions {
  /** Live points from which an IVF index is kept (below it every search is an exact scan). */
  indexFrom: number;
  /** Filters that keep at most this many points are scanned exactly, skipping the index (≈1–2 ms at 512-d). */
  exactUpTo: number;
  /** IVF lists probed first (more when a filter or the per-section cap leaves the page short). */
  nprobe: number;
  /** A write that leaves at least this share of the rows dead (and `compactMinDead` of them) compacts; ≥ 1: never. */
  compactShare: number;
  compactMinDead: number;
  /** Points per segment a compaction writes (small in tests, so a kill lands between segments). */
  compactSegmentPoints: number;
  /** Called at each step of a compaction: the crash test kills its process there. */
  compactProbe?: (step: CompactStep) => void;
}

export type CompactStep = 'segment-written' | 'caches-removed' | 'switched' | 'cache-installed' | 'saved' | 'done';

export const COMPACT_SHARE = 0.5;
export const COMPACT_MIN_DEAD = 10_000;

/** Space and rows before and after a compaction. */
export interface CompactionReport {
  points: number;
  deadBefore: number;
  segmentsBefore: number;
  segmentsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  seconds: number;
}

/** What a collection holds on disk and in memory: dead rows are overwritten or deleted points not yet compacted. */
export interface CollectionStats {
  points: number;
  rows: number;
  dead: number;
  deadShare: number;
  segments: number;
  bytes: number;
}

/** One collection on disk (manifest + segments + caches) and in memory (rows' metadata, int8 lists). */
export class Collection {
  rows: Rows;
  lists: Lists;
  ivf: Ivf | null = null;
  /** Reused by filtered exact scans (the runs of the matching partitions, copied out of the lists). */
  readonly scratch: Chunk;
  private quantized: QuantizedFile;
  private savedIndexRows = 0;
  private savedSnapshotSegments = 0;
  private reader: VectorReader;

  private constructor(
    readonly dir: string,
    private manifest: Manifest,
    readonly options: CollectionOptions,
  ) {
    this.rows = new Rows(manifest.dim);
    this.lists = new Lists(manifest.dim, 1);
    this.scratch = new Chunk(manifest.dim, 0);
    this.quantized = new QuantizedFile(dir, manifest.dim);
    this.reader = new VectorReader(manifest.dim);
  }

  get dim(): number {
    return this.manifest.dim;
  }

  /** The format of the points (manifest `dataVersion`; a manifest from before the stamp reads as 1). */
  get dataVersion(): number {
    return this.manifest.dataVersion ?? 1;
  }

  /** Stamps the manifest (atomically replaced, like every commit). */
  markDataVersion(version: number): void {
    this.manifest = { ...this.manifest, dataVersion: version };
    writeManifest(this.dir, this.manifest);
  }

  static create(dir: string, name: string, spec: CollectionSpec, options: CollectionOptions): Collection {
    mkdirSync(dir, { recursive: true });
    const manifest: Manifest = {
      format: 'cytoclip-vectors/1',
      dataVersion: DATA_VERSION,
      name,
      dim: spec.dim,
      quantization: spec.quantization ?? 'int8',
      segments: [],
      nextSegment: 1,
    };
    writeManifest(dir, manifest);
    return new Collection(dir, manifest, options);
  }

  /**
   * The rows' metadata from the snapshot, then the segments written after it replayed in order (the same rows in the
   * same order as before the restart); then the int8 vectors from their cache straight into the saved IVF lists.
   */
  static open(dir: string, options: CollectionOptions): Collection | null {
    const manifest = readManifest(dir);
    if (!manifest) return null;
    removeLeftovers(dir, manifest);
    const collection = new Collection(dir, manifest, options);
    const snapshot = loadSnapshot(dir, manifest.dim, manifest.segments);
    if (snapshot) {
      collection.rows = snapshot.rows;
      collection.savedSnapshotSegments = snapshot.segments;
    }
    for (let segment = snapshot?.segments ?? 0; segment < manifest.segments.length; segment++)
      collection.replay(segment);
    collection.loadVectors();
    collection.maintainIndex();
    return collection;
  }

  /** First pass of an open: ids, payloads and deletes of one segment. */
  private replay(segment: number): void {
    const content = readSegment(join(this.dir, this.manifest.segments[segment]!), this.dim);
    if (content.kind === 'delete') for (const id of content.ids) this.rows.kill(id);
    else this.rows.appendMeta(segment, content.ids, content.payloads, content.lexical);
  }

  /** Fills the lists with the live rows' int8 vectors: the saved IVF lists when they fit, else one list. */
  private loadVectors(): void {
    const { rows } = this;
    const saved = loadIvf(join(this.dir, IVF_FILE), this.dim);
    const known = saved?.assignments;
    const fits = known && known.length <= rows.size && known.every((list, row) => list >= 0 || !rows.isAlive(row));
    this.ivf = fits ? saved.ivf : null;
    this.savedIndexRows = fits ? known.length : 0;
    this.lists = new Lists(this.dim, this.ivf ? this.ivf.size : 1);
    const counts = new Uint32Array(this.ivf ? this.ivf.size : 1);
    for (let row = 0; row < rows.size; row++)
      if (rows.isAlive(row)) counts[fits && row < known.length ? known[row]! : 0]!++;
    this.lists.reserve(counts);
    for (let start = 0; start < rows.size;) {
      const { end, vectors } = this.int8Block(start);
      const live: number[] = [];
      for (let row = start; row < end; row++) if (rows.isAlive(row)) live.push(row);
      const unknown = this.ivf && (!fits || end > known.length) ? this.nearestOf(live, start, vectors) : null;
      live.forEach((row, i) => {
        const list = !this.ivf ? 0 : fits && row < known.length ? known[row]! : unknown![i]!;
        this.lists.add(row, list, vectors, (row - start) * this.dim);
      });
      start = end;
    }
  }

  /** Int8 vectors of rows [start, end): from the cache, or from the f32 segment (then cached) where the cache stops short. */
  private int8Block(start: number): { end: number; vectors: Int8Array } {
    const cachedEnd = Math.min(this.rows.size, start + OPEN_BLOCK, this.quantized.rows);
    if (start < cachedEnd) return { end: cachedEnd, vectors: this.quantized.read(start, cachedEnd - start)! };
    // A segment's rows are consecutive: recompute the whole segment holding `start`.
    const first = start - this.rows.indexInSegment.data[start]!;
    const path = join(this.dir, this.manifest.segments[this.rows.segmentOf.data[start]!]!);
    const content = readSegment(path, this.dim);
    const vectors = quantize(readVectorBlock(path, content.ids.length, this.dim), this.dim);
    this.quantized.append(first, vectors);
    return { end: first + content.ids.length, vectors: vectors.subarray((start - first) * this.dim) };
  }

  private nearestOf(live: number[], start: number, vectors: Int8Array): Int32Array {
    const own = new Int8Array(live.length * this.dim);
    live.forEach((row, i) =>
      own.set(vectors.subarray((row - start) * this.dim, (row - start + 1) * this.dim), i * this.dim),
    );
    return this.ivf!.nearest(own, live.length);
  }

  /** Builds the IVF index once the collection is big enough, and rebuilds it each time the collection doubles. */
  private maintainIndex(): void {
    const live = this.rows.liveCount;
    if (live < this.options.indexFrom || (this.ivf && live <= 2 * this.ivf.builtFor)) return;
    const liveRows: number[] = [];
    for (let row = 0; row < this.rows.size; row++) if (this.rows.isAlive(row)) liveRows.push(row);
    // Seeded by what it indexes: the same points give the same lists, so a store answers alike on every machine and
    // run (k-means seeded from Math.random made the approximate per-section pages differ between runs).
    const ivf = Ivf.train(liveRows, this.lists, mulberry32(liveRows.length));
    const assignments = assignAll(ivf, this.lists, liveRows, this.rows.size);
    const lists = new Lists(this.dim, ivf.size);
    const counts = new Uint32Array(ivf.size);
    for (const row of liveRows) counts[assignments[row]!]!++;
    lists.reserve(counts);
    for (const row of liveRows) lists.add(row, assignments[row]!, this.lists.vector(row), 0);
    this.ivf = ivf;
    this.lists = lists; // the old lists go: one int8 copy (two only while rebuilding)
    this.savedIndexRows = 0;
    this.saveIndex();
  }

  /** Makes the caches durable (int8 rows, IVF lists, rows' metadata) so the next open reads them instead of recomputing. */
  checkpoint(): void {
    this.quantized.checkpoint();
    this.saveIndex();
    if (this.savedSnapshotSegments !== this.manifest.segments.length) {
      saveSnapshot(this.dir, this.rows, this.manifest.segments);
      this.savedSnapshotSegments = this.manifest.segments.length;
    }
  }

  private saveIndex(): void {
    if (!this.ivf || this.savedIndexRows === this.rows.size) return;
    const assignments = new Int32Array(this.rows.size).fill(-1);
    assignments.set(this.lists.listOf.view().subarray(0, this.rows.size));
    saveIvf(join(this.dir, IVF_FILE), this.ivf, assignments);
    this.savedIndexRows = this.rows.size;
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
      unique.map((p) => p.lexical),
    );
    const nearest = this.ivf ? this.ivf.nearest(quantized, unique.length) : null;
    for (let i = 0; i < unique.length; i++)
      this.lists.add(start + i, nearest ? nearest[i]! : 0, quantized, i * this.dim);
    this.maintainIndex();
    this.compactIfWorthIt();
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
    this.compactIfWorthIt();
    return ids.length;
  }

  private compactIfWorthIt(): void {
    const dead = this.rows.size - this.rows.liveCount;
    if (dead >= this.options.compactMinDead && dead >= this.options.compactShare * this.rows.size) this.compact();
  }

  stats(): CollectionStats {
    const dead = this.rows.size - this.rows.liveCount;
    return {
      points: this.rows.liveCount,
      rows: this.rows.size,
      dead,
      deadShare: this.rows.size === 0 ? 0 : dead / this.rows.size,
      segments: this.manifest.segments.length,
      bytes: this.bytesOnDisk(),
    };
  }

  private bytesOnDisk(): number {
    return readdirSync(this.dir).reduce((sum, file) => sum + statSync(join(this.dir, file)).size, 0);
  }

  /**
   * Reclaims dead rows (overwritten or deleted points): the live points are written again beside the old segments
   * (durable, unlisted), the old caches removed, then the manifest switched to the new segments — that rename is the
   * commit, as for any write. Then the new int8 cache, IVF assignments and rows snapshot go in place and the old
   * segments are deleted. A crash before the switch reopens the old store (the new files are unlisted leftovers); after
   * it, the new one (the old segments are leftovers; a cache not yet in place is recomputed). Same IVF lists and the
   * same row order, so searches answer exactly as before.
   */
  compact(): CompactionReport {
    const started = performance.now();
    const before = this.stats();
    const report = { points: before.points, deadBefore: before.dead, segmentsBefore: before.segments };
    if (before.dead === 0) {
      return {
        ...report,
        segmentsAfter: before.segments,
        bytesBefore: before.bytes,
        bytesAfter: before.bytes,
        seconds: 0,
      };
    }
    const probe = this.options.compactProbe ?? (() => {});
    const next = writeCompacted(this.dir, this.manifest, this.rows, this.lists, this.options.compactSegmentPoints, () =>
      probe('segment-written'),
    );
    // The caches describe the old row numbers: gone before the switch, so no crash can pair them with the new segments.
    for (const cache of [CHECKPOINT_FILE, IVF_FILE]) rmSync(join(this.dir, cache), { force: true });
    syncDir(this.dir);
    probe('caches-removed');
    const old = this.manifest.segments;
    this.manifest = { ...this.manifest, segments: next.segments, nextSegment: next.nextSegment };
    writeManifest(this.dir, this.manifest);
    probe('switched');
    this.quantized.close();
    installQuantized(this.dir, next.quantizedTemp, next.rows.size);
    probe('cache-installed');
    this.quantized = new QuantizedFile(this.dir, this.dim);
    this.reader.close();
    this.reader = new VectorReader(this.dim);
    this.rows = next.rows;
    this.lists = next.lists;
    this.savedIndexRows = 0;
    this.savedSnapshotSegments = 0;
    this.checkpoint();
    probe('saved');
    for (const file of old) rmSync(join(this.dir, file), { force: true });
    syncDir(this.dir);
    probe('done');
    const after = this.stats();
    const seconds = (performance.now() - started) / 1000;
    return { ...report, segmentsAfter: after.segments, bytesBefore: before.bytes, bytesAfter: after.bytes, seconds };
  }

  private nextSegmentFile(): string {
    return `seg-${String(this.manifest.nextSegment).padStart(8, '0')}.bin`;
  }

  /** The segment is durable; listing it in the manifest is the commit point. */
  private commitSegment(file: string): number {
    this.manifest = {
      ...this.manifest,
      segments: [...this.manifest.segments, file],
      nextSegment: this.manifest.nextSegment + 1,
    };
    writeManifest(this.dir, this.manifest);
    return this.manifest.segments.length - 1;
  }

  count(filter: SearchFilter): number {
    return this.countMatches(compileFilter(filter));
  }

  /** Live points the matcher keeps; a per-point filter stops counting at `upTo`. */
  countMatches(matcher: Matcher, upTo = Infinity): number {
    if (!isRowLevel(matcher))
      return this.matchingPartitions(matcher).reduce((sum, p) => sum + this.rows.partitions[p]!.live, 0);
    let n = 0;
    this.eachLiveRow(matcher, () => ++n < upTo);
    return n;
  }

  /** Live points the matcher keeps in each section: the sections' own counts unless a per-point filter decides. */
  matchesPerSection(matcher: Matcher): number[] {
    const { sections, sectionOf } = this.rows;
    if (!isRowLevel(matcher))
      return sections.filter((s) => s.live > 0 && matcher.partition(s.fields)).map((s) => s.live);
    const counts = new Uint32Array(sections.length);
    this.eachLiveRow(matcher, (row) => {
      counts[sectionOf.data[row]!]!++;
      return true;
    });
    return Array.from(counts);
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
    if (!matcher.section)
      return this.matchingPartitions(matcher).reduce((n, p) => n + this.rows.partitions[p]!.live, 0);
    return this.rows.sections.reduce(
      (n, s) => n + (s.live > 0 && matcher.section!(s.fields.section) && matcher.partition(s.fields) ? s.live : 0),
      0,
    );
  }

  /** The row ranges of the partitions, merged and ascending ([start, end) pairs). */
  rangesOf(partitions: number[]): Uint32Array {
    const pairs: [number, number][] = [];
    for (const p of partitions) {
      const ranges = this.rows.partitions[p]!.ranges;
      for (let i = 0; i < ranges.length; i += 2) pairs.push([ranges.data[i]!, ranges.data[i + 1]!]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    return Uint32Array.from(pairs.flat());
  }

  /** Live rows the matcher keeps, ascending. */
  liveRows(matcher: Matcher): number[] {
    const out: number[] = [];
    this.eachLiveRow(matcher, (row) => out.push(row) > 0);
    return out;
  }

  /** Calls `visit` with each live row the matcher keeps, ascending, until it returns false. */
  private eachLiveRow(matcher: Matcher, visit: (row: number) => boolean): void {
    const ranges = this.rangesOf(this.matchingPartitions(matcher));
    for (let r = 0; r < ranges.length; r += 2) {
      for (let row = ranges[r]!; row < ranges[r + 1]!; row++) {
        if (this.rowPasses(row, matcher) && !visit(row)) return;
      }
    }
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
      const lexical = withVectors ? this.rows.lexicalOf(row) : undefined;
      if (lexical) point.lexical = { indices: [...lexical.indices], values: [...lexical.values] };
      out.push(point);
    }
    return out;
  }

  vectorOf(row: number): Float32Array {
    const file = this.manifest.segments[this.rows.segmentOf.data[row]!]!;
    return this.reader.read(join(this.dir, file), this.rows.indexInSegment.data[row]!);
  }

  /** Exact f32 cosine of candidate rows, as hits. */
  rescore(query: Float32Array, candidates: Candidate[]): ScoredPoint[] {
    return candidates.map(({ row }) => ({
      id: this.rows.ids[row]!,
      score: dot(query, this.vectorOf(row)),
      payload: this.payloadOf(row),
    }));
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
