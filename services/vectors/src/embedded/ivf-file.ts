import { existsSync, readFileSync } from 'node:fs';
import { bytesOf, writeAtomic } from './files.js';
import { Ivf } from './ivf.js';

/**
 * `ivf.bin`: magic, dim, lists, points it was built for, rows assigned; then the int8 centroids and each assigned
 * row's list. Rows are numbered in segment replay order, so the saved assignments still hold after a restart; rows
 * written after the save are assigned again at open.
 */
const MAGIC = 'CVIVF1\0\0';
const HEADER = 24;

export function saveIvf(path: string, ivf: Ivf, assignments: Int32Array): void {
  const header = Buffer.alloc(HEADER);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(ivf.dim, 8);
  header.writeUInt32LE(ivf.size, 12);
  header.writeUInt32LE(ivf.builtFor, 16);
  header.writeUInt32LE(assignments.length, 20);
  const centroids = new Uint8Array(Math.ceil(ivf.centroids.length / 4) * 4); // keeps the assignments 4-byte aligned
  centroids.set(bytesOf(ivf.centroids));
  writeAtomic(path, [header, centroids, bytesOf(assignments)]);
}

/** The saved index, or null when there is none or it does not fit this collection (then it is rebuilt). */
export function loadIvf(path: string, dim: number): { ivf: Ivf; assignments: Int32Array } | null {
  if (!existsSync(path)) return null;
  const file = readFileSync(path);
  if (file.length < HEADER || file.toString('latin1', 0, 8) !== MAGIC || file.readUInt32LE(8) !== dim) return null;
  const lists = file.readUInt32LE(12);
  const assigned = file.readUInt32LE(20);
  const centroidBytes = Math.ceil((lists * dim) / 4) * 4;
  if (file.length !== HEADER + centroidBytes + assigned * 4) return null;
  const centroids = new Int8Array(lists * dim);
  centroids.set(new Int8Array(file.buffer, file.byteOffset + HEADER, lists * dim));
  const assignments = new Int32Array(assigned);
  assignments.set(
    new Int32Array(file.buffer.slice(file.byteOffset + HEADER + centroidBytes, file.byteOffset + file.length)),
  );
  return { ivf: new Ivf(dim, centroids, file.readUInt32LE(16)), assignments };
}
