import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { readAt, syncDir, writeAtomic } from './files.js';

const CHECKPOINT_FORMAT = 'cytoclip-vectors-checkpoint/1';

/**
 * `quantized.i8`: every row's int8 vector, appended in row order, so a reopen reads 1 byte a dimension instead of
 * re-reading and re-quantizing the f32 segments. It is a cache: `checkpoint.json` names how many rows were fsynced
 * at the last flush; rows past that are recomputed from their segments at open.
 */
export class QuantizedFile {
  private readonly fd: number;
  rows: number;
  private durable: number;

  constructor(
    private readonly dir: string,
    private readonly dim: number,
  ) {
    this.fd = openSync(join(dir, 'quantized.i8'), existsSync(join(dir, 'quantized.i8')) ? 'r+' : 'w+');
    const onDisk = Math.floor(fstatSync(this.fd).size / dim);
    this.rows = Math.min(onDisk, readCheckpoint(dir));
    this.durable = this.rows;
    ftruncateSync(this.fd, this.rows * dim);
  }

  /** Rows [start, start + count) if the file holds them, else null. */
  read(start: number, count: number): Int8Array | null {
    if (start + count > this.rows) return null;
    const bytes = readAt(this.fd, count * this.dim, start * this.dim);
    return new Int8Array(bytes.buffer, bytes.byteOffset, count * this.dim);
  }

  append(start: number, quantized: Int8Array): void {
    if (start !== this.rows) ftruncateSync(this.fd, start * this.dim); // never leave a gap or a stale tail
    const bytes = new Uint8Array(quantized.buffer, quantized.byteOffset, quantized.byteLength);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, start * this.dim + done);
    this.rows = start + quantized.length / this.dim;
  }

  checkpoint(): void {
    if (this.durable === this.rows) return;
    fsyncSync(this.fd);
    writeCheckpoint(this.dir, this.rows);
    this.durable = this.rows;
  }

  close(): void {
    closeSync(this.fd);
  }
}

export const CHECKPOINT_FILE = 'checkpoint.json';

function writeCheckpoint(dir: string, rows: number): void {
  writeAtomic(join(dir, CHECKPOINT_FILE), [Buffer.from(JSON.stringify({ format: CHECKPOINT_FORMAT, rows }))]);
}

/**
 * Puts a compaction's int8 cache (fsynced under a temp name) in place of `quantized.i8`, then says how many rows it
 * holds. Called after the manifest switch with the old checkpoint already gone: a crash in between leaves a cache
 * that no checkpoint vouches for, recomputed from the new segments at open.
 */
export function installQuantized(dir: string, temp: string, rows: number): void {
  renameSync(temp, join(dir, 'quantized.i8'));
  syncDir(dir);
  writeCheckpoint(dir, rows);
}

function readCheckpoint(dir: string): number {
  try {
    const checkpoint = JSON.parse(readFileSync(join(dir, CHECKPOINT_FILE), 'utf8')) as {
      format: string;
      rows: number;
    };
    return checkpoint.format === CHECKPOINT_FORMAT && Number.isInteger(checkpoint.rows) ? checkpoint.rows : 0;
  } catch {
    return 0; // no checkpoint yet, or a torn one: recompute from the segments
  }
}
