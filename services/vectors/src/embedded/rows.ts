import type { PointPayload } from '../types.js';
import { Chunk } from './chunk.js';
import type { PartitionFields, RegionEntry, SectionFields } from './matcher.js';

export interface Partition {
  fields: PartitionFields;
  chunk: Chunk;
  live: number;
}

export interface Section {
  fields: SectionFields;
  partition: number;
  live: number;
}

/**
 * The in-memory side of a collection: one row per point ever written (a rewrite or a delete kills the old row).
 * Payloads are stored as a section plus a region entry. Int8 vectors live in their partition's chunk — a partition
 * is one specimen's plane in one atlas (what the common filters select), big enough that one SIMD scan call covers
 * thousands of points. Each row also knows where its f32 vector lies on disk (segment, index) for exact rescoring.
 */
export class Rows {
  readonly ids: string[] = [];
  readonly idToRow = new Map<string, number>();
  readonly sectionOf: number[] = [];
  readonly regionOf: number[] = [];
  /** Position of the row in its partition's chunk. */
  readonly positionOf: number[] = [];
  readonly segmentOf: number[] = [];
  readonly indexInSegment: number[] = [];
  alive = new Uint8Array(1024);
  readonly partitions: Partition[] = [];
  readonly sections: Section[] = [];
  readonly regions: RegionEntry[] = [];
  private readonly keys = new Map<string, number>();
  liveCount = 0;

  constructor(readonly dim: number) {}

  get size(): number {
    return this.ids.length;
  }

  /**
   * Appends the points of segment `segment` (metadata only; `fill` adds their int8 vectors). Returns the first new
   * row number. An id written before loses its old row.
   */
  appendMeta(segment: number, ids: string[], payloads: PointPayload[]): number {
    const start = this.ids.length;
    ids.forEach((id, i) => {
      this.kill(id);
      const row = this.ids.length;
      this.ids.push(id);
      this.idToRow.set(id, row);
      const payload = payloads[i]!;
      const section = this.sectionIndex(payload);
      const region = this.regionIndex(payload);
      this.last = { payload, section, region };
      this.sectionOf.push(section);
      this.regionOf.push(region);
      this.positionOf.push(-1);
      this.segmentOf.push(segment);
      this.indexInSegment.push(i);
      this.setAlive(row, 1);
      this.count(row, 1);
    });
    return start;
  }

  /** Copies the int8 vectors of rows [start, …) into their partition chunks; rows dead by now are left out. */
  fill(start: number, quantized: Int8Array): void {
    const count = quantized.length / this.dim;
    for (let i = 0; i < count; i++) {
      const row = start + i;
      if (!this.isAlive(row)) continue;
      const chunk = this.partitions[this.sections[this.sectionOf[row]!]!.partition]!.chunk;
      this.positionOf[row] = chunk.push(row, quantized, i * this.dim);
    }
  }

  /** Sizes every partition chunk for its live rows at once (growing row by row costs more than the copy itself). */
  reserve(): void {
    for (const partition of this.partitions) partition.chunk.reserve(partition.live);
  }

  /** Kills the live row of an id, if any; true when there was one. */
  kill(id: string): boolean {
    const row = this.idToRow.get(id);
    if (row === undefined) return false;
    this.idToRow.delete(id);
    this.setAlive(row, 0);
    this.count(row, -1);
    return true;
  }

  private count(row: number, delta: number): void {
    const section = this.sections[this.sectionOf[row]!]!;
    section.live += delta;
    this.partitions[section.partition]!.live += delta;
    this.liveCount += delta;
  }

  /** The row's int8 vector (a view into its partition chunk). */
  quantized(row: number): Int8Array {
    return this.partitions[this.sections[this.sectionOf[row]!]!.partition]!.chunk.vector(this.positionOf[row]!);
  }

  payload(row: number): PointPayload {
    const { region, regionPath } = this.regions[this.regionOf[row]!]!;
    return { ...this.sections[this.sectionOf[row]!]!.fields, region, regionPath: [...regionPath] };
  }

  sectionFields(row: number): SectionFields {
    return this.sections[this.sectionOf[row]!]!.fields;
  }

  region(row: number): RegionEntry {
    return this.regions[this.regionOf[row]!]!;
  }

  isAlive(row: number): boolean {
    return this.alive[row] === 1;
  }

  private setAlive(row: number, value: number): void {
    if (row >= this.alive.length) {
      const grown = new Uint8Array(this.alive.length * 2);
      grown.set(this.alive);
      this.alive = grown;
    }
    this.alive[row] = value;
  }

  private last: { payload: PointPayload; section: number; region: number } | null = null;

  /** Consecutive points mostly share a section and often a region: compare with the last before building a key. */
  private sectionIndex(payload: PointPayload): number {
    const last = this.last?.payload;
    if (
      last &&
      last.section === payload.section &&
      last.atlas === payload.atlas &&
      last.specimen === payload.specimen &&
      last.plane === payload.plane &&
      last.gestationalWeek === payload.gestationalWeek &&
      last.kind === payload.kind
    ) {
      return this.last!.section;
    }
    return this.sectionKeyIndex(payload);
  }

  private sectionKeyIndex(payload: PointPayload): number {
    const { kind, atlas, specimen, section, plane, gestationalWeek } = payload;
    const key = JSON.stringify(['section', kind, atlas, specimen, section, plane, gestationalWeek]);
    let index = this.keys.get(key);
    if (index === undefined) {
      index = this.sections.length;
      const partition = this.partitionIndex({ kind, atlas, specimen, plane, gestationalWeek });
      this.sections.push({ fields: { kind, atlas, specimen, section, plane, gestationalWeek }, partition, live: 0 });
      this.keys.set(key, index);
    }
    return index;
  }

  private partitionIndex(fields: PartitionFields): number {
    const key = JSON.stringify(['partition', fields.kind, fields.atlas, fields.specimen, fields.plane, fields.gestationalWeek]);
    let index = this.keys.get(key);
    if (index === undefined) {
      index = this.partitions.length;
      this.partitions.push({ fields, chunk: new Chunk(this.dim), live: 0 });
      this.keys.set(key, index);
    }
    return index;
  }

  private regionIndex(payload: PointPayload): number {
    const last = this.last?.payload;
    if (last && last.region === payload.region && samePath(last.regionPath, payload.regionPath)) return this.last!.region;
    const key = JSON.stringify(['region', payload.region, payload.regionPath]);
    let index = this.keys.get(key);
    if (index === undefined) {
      index = this.regions.length;
      this.regions.push({ region: payload.region, regionPath: [...payload.regionPath] });
      this.keys.set(key, index);
    }
    return index;
  }
}

function samePath(a: string[], b: string[]): boolean {
  return a === b || (a.length === b.length && a.every((acronym, i) => acronym === b[i]));
}
