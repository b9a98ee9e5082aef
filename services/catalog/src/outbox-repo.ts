import { sql } from 'drizzle-orm';
import { rows, type Db } from './db.js';
import type { OutboxPoint } from './types.js';

const CHUNK = 2_000;

/**
 * Payloads travel as JSON text (both drivers serialise text arrays the same way). The chunk's vectors travel as ONE
 * hex string, cut apart in SQL by offset: a text[] of a thousand 2 KB hex strings cost PGlite more to parse than
 * the rows cost to write. Returns the new rows' ids (what the indexer deletes once the points are stored).
 */
export async function insertOutbox(db: Db, points: OutboxPoint[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < points.length; i += CHUNK) {
    const c = points.slice(i, i + CHUNK);
    const col = <T>(f: (p: OutboxPoint) => T) => sql.param(c.map(f));
    const offsets: number[] = [];
    let bytes = 0;
    for (const p of c) {
      offsets.push(bytes);
      bytes += p.vector.byteLength;
    }
    const blob = Buffer.concat(
      c.map((p) => Buffer.from(p.vector.buffer, p.vector.byteOffset, p.vector.byteLength)),
      bytes,
    );
    const inserted = await rows<{ id: number | string }>(
      db,
      sql`INSERT INTO outbox (collection, point_id, atlas, payload, vector)
          SELECT c, p, a, pl::json, substring(b.blob FROM o + 1 FOR n)
          FROM unnest(${col((p) => p.collection)}::text[], ${col((p) => p.pointId)}::uuid[], ${col((p) => p.atlas)}::text[],
                      ${col((p) => JSON.stringify(p.payload))}::text[], ${sql.param(offsets)}::int[],
                      ${col((p) => p.vector.byteLength)}::int[])
                 WITH ORDINALITY AS u(c, p, a, pl, o, n, k)
               CROSS JOIN (SELECT decode(${blob.toString('hex')}, 'hex') AS blob) AS b
          ORDER BY k
          RETURNING id`,
    );
    for (const row of inserted) ids.push(Number(row.id));
  }
  return ids;
}
