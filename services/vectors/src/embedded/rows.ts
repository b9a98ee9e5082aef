import type { PointPayload } from '../types.js';
import { Chunk, quantize } from './chunk.js';
import type { GroupFields, RegionEntry } from './matcher.js';

export interface Group {
  fields: GroupFields;
  chunk: Chunk;
  live: number;
}

/**
 * The in-memory side of a collection: one row per point ever written (a rewrite or a delete kills the old row),
 * payloads stored as a section group plus a region entry, int8 vectors in their section's chunk, and where each
 * row's f32 vector lies on disk (segment, index) for exact rescoring.
 */
export class Rows {
  readonly ids: string[] = [];
  readonly idToRow = new Map<string, number>();
  readonly groupOf: number[] = [];
  readonly regionOf: number[] = [];
  readonly segmentOf: number[] = [];
  readonly indexInSegment: number[] = [];
  alive = new Uint8Array(1024);
  readonly groups: Group[] = [];
  readonly regions: RegionEntry[] = [];
  private readonly groupByKey = new Map<string, number>();
  private readonly regionByKey = new Map<string, number>();
  liveCount = 0;

  constructor(readonly dim: number) {}

  get size(): number {
    return this.ids.length;
  }

  /** Appends points read from segment `segment`; returns their new row numbers. */
  append(segment: number, ids: string[], payloads: PointPayload[], vectors: Float32Array): number[] {
    const quantized = quantize(vectors, this.dim);
    return ids.map((id, i) => {
      this.kill(id);
      const row = this.ids.length;
      const group = this.groupIndex(payloads[i]!);
      this.ids.push(id);
      this.idToRow.set(id, row);
      this.groupOf.push(group);
      this.regionOf.push(this.regionIndex(payloads[i]!));
      this.segmentOf.push(segment);
      this.indexInSegment.push(i);
      this.setAlive(row, 1);
      this.groups[group]!.chunk.push(row, quantized, i * this.dim);
      this.groups[group]!.live++;
      this.liveCount++;
      return row;
    });
  }

  /** Kills the live row of an id, if any; true when there was one. */
  kill(id: string): boolean {
    const row = this.idToRow.get(id);
    if (row === undefined) return false;
    this.idToRow.delete(id);
    this.setAlive(row, 0);
    this.groups[this.groupOf[row]!]!.live--;
    this.liveCount--;
    return true;
  }

  payload(row: number): PointPayload {
    const { fields } = this.groups[this.groupOf[row]!]!;
    const { region, regionPath } = this.regions[this.regionOf[row]!]!;
    return { ...fields, region, regionPath: [...regionPath] };
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

  private groupIndex(payload: PointPayload): number {
    const { kind, atlas, specimen, section, plane, gestationalWeek } = payload;
    const key = JSON.stringify([kind, atlas, specimen, section, plane, gestationalWeek]);
    let index = this.groupByKey.get(key);
    if (index === undefined) {
      index = this.groups.length;
      this.groups.push({ fields: { kind, atlas, specimen, section, plane, gestationalWeek }, chunk: new Chunk(this.dim), live: 0 });
      this.groupByKey.set(key, index);
    }
    return index;
  }

  private regionIndex(payload: PointPayload): number {
    const key = JSON.stringify([payload.region, payload.regionPath]);
    let index = this.regionByKey.get(key);
    if (index === undefined) {
      index = this.regions.length;
      this.regions.push({ region: payload.region, regionPath: [...payload.regionPath] });
      this.regionByKey.set(key, index);
    }
    return index;
  }
}
