import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { rows, type Db } from './db.js';
import { sections, withdrawals } from './schema.js';
import type { Withdrawal } from './types.js';

/**
 * Takes sections out of the catalog because what they were made from changed (or they left their atlas's manifest):
 * their rows (tiles, region images, annotations, section_embeddings cascade), their points still in the outbox, their
 * jobs in running runs (a late owner's commit is refused, and the run gets a fresh job), all in one transaction with a
 * withdrawal per section for the indexer. Returns the image copies (relative to DATA_DIR) the rows pointed at.
 */
export async function withdrawSections(db: Db, atlas: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  return db.transaction(async (t) => {
    const tx = t as unknown as Db;
    const list = sql.param(ids);
    await tx.execute(sql`DELETE FROM outbox WHERE atlas = ${atlas} AND payload->>'section' = ANY(${list}::text[])`);
    await tx.execute(
      sql`DELETE FROM ingest_jobs j USING ingest_runs r
          WHERE j.run_id = r.id AND r.atlas = ${atlas} AND r.status = 'running' AND j.section = ANY(${list}::text[])`,
    );
    const gone = await tx
      .delete(sections)
      .where(and(eq(sections.atlas, atlas), inArray(sections.id, ids)))
      .returning({ imagePath: sections.imagePath });
    await tx.insert(withdrawals).values(ids.map((section) => ({ atlas, section })));
    return gone.map((g) => g.imagePath);
  });
}

/** Records that a deleted atlas's points must go from every collection (deleteAtlas's transaction). */
export async function withdrawAtlas(db: Db, atlas: string): Promise<void> {
  await db.insert(withdrawals).values({ atlas, section: null });
}

export async function readWithdrawals(db: Db): Promise<Withdrawal[]> {
  const found = await db.select().from(withdrawals).orderBy(asc(withdrawals.id));
  return found.map((w) => ({ id: w.id, atlas: w.atlas, section: w.section }));
}

export async function deleteWithdrawals(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.delete(withdrawals).where(inArray(withdrawals.id, ids));
}

/**
 * Records fingerprints on rows written before fingerprints existed, trusting those rows (nothing is redone for them);
 * a row that has one keeps it. Returns how many were adopted.
 */
export async function adoptFingerprints(db: Db, atlas: string, fingerprints: Map<string, string>): Promise<number> {
  if (fingerprints.size === 0) return 0;
  const found = await rows<{ id: string }>(
    db,
    sql`UPDATE sections s SET fingerprint = f.fingerprint
        FROM unnest(${sql.param([...fingerprints.keys()])}::text[], ${sql.param([...fingerprints.values()])}::text[])
          AS f(id, fingerprint)
        WHERE s.atlas = ${atlas} AND s.id = f.id AND s.fingerprint IS NULL
        RETURNING s.id`,
  );
  return found.length;
}
