import { sql } from 'drizzle-orm';
import { rows, type Db } from './db.js';
import type { OutboxPoint } from './types.js';

const CHUNK = 2_000;

/**
 * Vectors travel as hex text and payloads as JSON text: both drivers serialise text arrays the same way. Returns the
 * new rows' ids (what the indexer deletes once the points are in the vector store).
 */
export async function insertOutbox(db: Db, points: OutboxPoint[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < points.length; i += CHUNK) {
    const c = points.slice(i, i + CHUNK);
    const col = <T>(f: (p: OutboxPoint) => T) => sql.param(c.map(f));
    const inserted = await rows<{ id: number | string }>(
      db,
      sql`INSERT INTO outbox (collection, point_id, atlas, payload, vector)
          SELECT c, p, a, pl::jsonb, decode(v, 'hex')
          FROM unnest(${col((p) => p.collection)}::text[], ${col((p) => p.pointId)}::uuid[], ${col((p) => p.atlas)}::text[],
                      ${col((p) => JSON.stringify(p.payload))}::text[],
                      ${col((p) => Buffer.from(p.vector.buffer, p.vector.byteOffset, p.vector.byteLength).toString('hex'))}::text[])
               AS u(c, p, a, pl, v)
          RETURNING id`,
    );
    for (const row of inserted) ids.push(Number(row.id));
  }
  return ids;
}
