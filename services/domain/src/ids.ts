import { createHash } from 'node:crypto';

/** Namespace of every CytoCLIP id (a fixed random UUID; changing it would re-key every store). */
export const CYTOCLIP_NAMESPACE = '6f1d3c2a-8b7e-4f0a-9c51-2d4e8a7b9f30';

/** RFC 4122 version-5 UUID of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string = CYTOCLIP_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`invalid namespace UUID: ${namespace}`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID in its canonical 8-4-4-4-12 hex form, either case (the stores' ids are v5 UUIDs, lower case). */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

export interface TileGrid {
  micronsPerPixel: number;
  /** Edge of the square tile in pixels at `micronsPerPixel`. */
  size: number;
}

/** The default grid of formats.md "Tiles": 224 px at 1.0 µm/px. */
export const DEFAULT_TILE_GRID: TileGrid = { micronsPerPixel: 1.0, size: 224 };

/** `atlas/section/micronsPerPixel/size/x/y`, x and y in level-0 pixels. */
export function tileKey(atlas: string, section: string, grid: TileGrid, x: number, y: number): string {
  return `${atlas}/${section}/${grid.micronsPerPixel}/${grid.size}/${x}/${y}`;
}

export function tileId(atlas: string, section: string, grid: TileGrid, x: number, y: number): string {
  return uuidV5(tileKey(atlas, section, grid, x, y));
}

/** Whole-region image of one region on one section: key `atlas/section/region/<acronym>`. */
export function regionImageId(atlas: string, section: string, region: string): string {
  return uuidV5(`${atlas}/${section}/region/${region}`);
}
