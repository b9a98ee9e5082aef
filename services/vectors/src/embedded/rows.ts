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

  /** Appends points of segment `segment` with their int8 vectors; returns their new row numbers. */
  append(segment: number, ids: string[], payloads: PointPayload[], quantized: Int8Array): number[] {
    return ids.map((id, i) => {
      this.kill(id);
      const row = this.ids.length;
      const section = this.sectionIndex(payloads[i]!);
      const { partition } = this.sections[section]!;
      this.ids.push(id);
      this.idToRow.set(id, row);
      this.sectionOf.push(section);
      this.regionOf.push(this.regionIndex(payloads[i]!));
      this.segmentOf.push(segment);
      this.indexInSegment.push(i);
      this.setAlive(row, 1);
      this.positionOf.push(this.partitions[partition]!.chunk.push(row, quantized, i * this.dim));
      this.count(row, 1);
      return row;
    });
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

  private sectionIndex(payload: PointPayload): number {
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
