import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchFilter } from '@cytoclip/domain';
import type { CollectionSpec, DeleteWhere, PointPayload, ScoredPoint, StoredPoint, VectorPoint } from '../types.js';
import { Candidate, quantize } from './chunk.js';
import { readManifest, removeLeftovers, writeManifest, type Manifest } from './manifest.js';
import { compileFilter, type Matcher } from './matcher.js';
import { Rows } from './rows.js';
import { readSegment, readVectorBlock, VectorReader, writeDeleteSegment, writeUpsertSegment } from './segments.js';

/** One collection on disk (manifest + segments) and in memory (rows, section chunks). */
export class Collection {
  readonly rows: Rows;
  private readonly reader: VectorReader;

  private constructor(
    readonly dir: string,
    private manifest: Manifest,
  ) {
    this.rows = new Rows(manifest.dim);
    this.reader = new VectorReader(manifest.dim);
  }

  get dim(): number {
    return this.manifest.dim;
  }

  static create(dir: string, name: string, spec: CollectionSpec): Collection {
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
    return new Collection(dir, manifest);
  }

  /** Replays the segments the manifest lists, in order: the same rows, in the same order, as before the restart. */
  static open(dir: string): Collection | null {
    const manifest = readManifest(dir);
    if (!manifest) return null;
    removeLeftovers(dir, manifest);
    const collection = new Collection(dir, manifest);
    manifest.segments.forEach((file, segment) => collection.replay(segment, file));
    return collection;
  }

  private replay(segment: number, file: string): void {
    const path = join(this.dir, file);
    const content = readSegment(path, this.dim);
    if (content.kind === 'delete') {
      for (const id of content.ids) this.rows.kill(id);
      return;
    }
    this.rows.append(segment, content.ids, content.payloads, readVectorBlock(path, content.ids.length, this.dim));
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
    this.rows.append(
      segment,
      unique.map((p) => p.id),
      unique.map((p) => p.payload),
      vectors,
    );
  }

  deleteWhere(where: DeleteWhere): number {
    const ids = this.liveRows((g) => (!where.atlas || g.atlas === where.atlas) && (!where.section || g.section === where.section)).map(
      (row) => this.rows.ids[row]!,
    );
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
    if (!matcher.region) return this.matchingGroups(matcher).reduce((sum, g) => sum + this.rows.groups[g]!.live, 0);
    return this.liveRows(matcher.group, matcher).length;
  }

  matchingGroups(matcher: Matcher): number[] {
    const out: number[] = [];
    this.rows.groups.forEach((group, index) => {
      if (group.live > 0 && matcher.group(group.fields)) out.push(index);
    });
    return out;
  }

  /** Live rows of the groups that pass, and of the region subtree when the matcher names one. */
  liveRows(group: Matcher['group'], matcher?: Matcher): number[] {
    const out: number[] = [];
    for (const g of this.matchingGroups({ group, region: null })) {
      const { chunk } = this.rows.groups[g]!;
      for (let i = 0; i < chunk.n; i++) {
        const row = chunk.rows[i]!;
        if (this.rowPasses(row, matcher)) out.push(row);
      }
    }
    return out;
  }

  rowPasses(row: number, matcher?: Matcher): boolean {
    if (!this.rows.isAlive(row)) return false;
    return !matcher?.region || matcher.region(this.rows.regions[this.rows.regionOf[row]!]!);
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
    this.reader.close();
  }
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
