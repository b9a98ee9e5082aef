import type { PointPayload, SparseVector } from '../types.js';
import { Column } from './column.js';
import { LexicalDocs, NO_DOC } from './lexical-docs.js';
import type { PartitionFields, RegionEntry, SectionFields } from './matcher.js';

/**
 * A partition is one specimen's plane in one atlas at one week (what the common filters select). Its rows are kept
 * as ranges of row numbers: an ingest writes a section's points together, so a partition is a few long ranges, and
 * each range is one contiguous run inside every IVF list (lists hold rows in ascending order).
 */
export interface Partition {
  fields: PartitionFields;
  live: number;
  /** [start, end) pairs of row numbers, ascending. */
  ranges: Column<Uint32Array>;
}

export interface Section {
  fields: SectionFields;
  partition: number;
  live: number;
}

/**
 * The metadata side of a collection: one row per point ever written (a rewrite or a delete kills the old row).
 * Payloads are stored as a section plus a region entry; per-row columns are typed arrays. Each row also knows where
 * its f32 vector lies on disk (segment, index) for exact rescoring, and which lexical doc it carries (NO_DOC: none).
 * The int8 vectors live in `Lists`.
 */
export class Rows {
  readonly ids: string[] = [];
  readonly idToRow = new Map<string, number>();
  readonly sectionOf = Column.u32();
  readonly regionOf = Column.u32();
  readonly segmentOf = Column.u32();
  readonly indexInSegment = Column.u32();
  readonly alive = Column.u8();
  readonly docOf = Column.u32();
  readonly lexical = new LexicalDocs();
  readonly partitions: Partition[] = [];
  readonly sections: Section[] = [];
  readonly regions: RegionEntry[] = [];
  private readonly keys = new Map<string, number>();
  liveCount = 0;
  /** Live rows whose region is null (unannotated tissue): no lexical vector is due for them. */
  liveUnannotated = 0;

  constructor(readonly dim: number) {}

  get size(): number {
    return this.ids.length;
  }

  /** Appends the points of segment `segment` and returns the first new row number. An id written before loses its old row. */
  appendMeta(
    segment: number,
    ids: string[],
    payloads: PointPayload[],
    lexical: readonly (SparseVector | null | undefined)[] = [],
  ): number {
    const start = this.ids.length;
    ids.forEach((id, i) => {
      const payload = payloads[i]!;
      this.kill(id);
      const doc = this.lexical.intern(lexical[i]);
      this.append(id, this.sectionIndex(payload), this.regionIndex(payload), segment, i, true, doc);
    });
    return start;
  }

  /** One new row (its id not live already), from a payload or a snapshot (then `alive` may be false, `id` empty). */
  append(
    id: string,
    section: number,
    region: number,
    segment: number,
    index: number,
    alive: boolean,
    doc = NO_DOC,
  ): void {
    const row = this.ids.length;
    this.docOf.push(doc);
    this.lexical.addRow(doc, row);
    this.ids.push(id);
    this.sectionOf.push(section);
    this.regionOf.push(region);
    this.segmentOf.push(segment);
    this.indexInSegment.push(index);
    this.alive.push(alive ? 1 : 0);
    const { ranges } = this.partitions[this.sections[section]!.partition]!;
    if (ranges.length > 0 && ranges.data[ranges.length - 1] === row) {
      ranges.data[ranges.length - 1] = row + 1;
    } else {
      ranges.push(row);
      ranges.push(row + 1);
    }
    if (alive) {
      this.idToRow.set(id, row);
      this.count(row, 1);
    }
  }

  /** Kills the live row of an id, if any; true when there was one. */
  kill(id: string): boolean {
    const row = this.idToRow.get(id);
    if (row === undefined) return false;
    this.idToRow.delete(id);
    this.alive.data[row] = 0;
    this.count(row, -1);
    return true;
  }

  private count(row: number, delta: number): void {
    const section = this.sections[this.sectionOf.data[row]!]!;
    section.live += delta;
    this.partitions[section.partition]!.live += delta;
    this.liveCount += delta;
    if (this.regions[this.regionOf.data[row]!]!.region === null) this.liveUnannotated += delta;
    this.lexical.count(this.docOf.data[row]!, delta);
  }

  isAlive(row: number): boolean {
    return this.alive.data[row] === 1;
  }

  partitionOf(row: number): number {
    return this.sections[this.sectionOf.data[row]!]!.partition;
  }

  payload(row: number): PointPayload {
    const { region, regionPath } = this.regions[this.regionOf.data[row]!]!;
    return { ...this.sections[this.sectionOf.data[row]!]!.fields, region, regionPath: [...regionPath] };
  }

  /** The row's lexical vector, if it has one. */
  lexicalOf(row: number): SparseVector | undefined {
    const doc = this.docOf.data[row]!;
    return doc === NO_DOC ? undefined : this.lexical.docs[doc]!.vector;
  }

  sectionFields(row: number): SectionFields {
    return this.sections[this.sectionOf.data[row]!]!.fields;
  }

  region(row: number): RegionEntry {
    return this.regions[this.regionOf.data[row]!]!;
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
    const { kind, atlas, specimen, section, plane, gestationalWeek } = payload;
    const index = this.sectionKeyIndex({ kind, atlas, specimen, section, plane, gestationalWeek });
    this.last = { payload, section: index, region: this.last?.region ?? -1 };
    return index;
  }

  /** The section's number, registering it (and its partition) when new. */
  sectionKeyIndex(fields: SectionFields): number {
    const { kind, atlas, specimen, section, plane, gestationalWeek } = fields;
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
    const key = JSON.stringify([
      'partition',
      fields.kind,
      fields.atlas,
      fields.specimen,
      fields.plane,
      fields.gestationalWeek,
    ]);
    let index = this.keys.get(key);
    if (index === undefined) {
      index = this.partitions.length;
      this.partitions.push({ fields, live: 0, ranges: Column.u32(16) });
      this.keys.set(key, index);
    }
    return index;
  }

  private regionIndex(payload: PointPayload): number {
    const last = this.last!;
    const previous = last.region >= 0 ? this.regions[last.region] : undefined;
    if (previous && previous.region === payload.region && samePath(previous.regionPath, payload.regionPath))
      return last.region;
    last.region = this.regionKeyIndex({ region: payload.region, regionPath: payload.regionPath });
    return last.region;
  }

  /** The region entry's number, registering it when new. */
  regionKeyIndex(entry: RegionEntry): number {
    const key = JSON.stringify(['region', entry.region, entry.regionPath]);
    let index = this.keys.get(key);
    if (index === undefined) {
      index = this.regions.length;
      this.regions.push({ region: entry.region, regionPath: [...entry.regionPath] });
      this.keys.set(key, index);
    }
    return index;
  }
}

function samePath(a: string[], b: string[]): boolean {
  return a === b || (a.length === b.length && a.every((acronym, i) => acronym === b[i]));
}
