import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { CytoclipError } from '@cytoclip/domain';
import { affected, rows, type Db } from './db.js';
import { ingestJobs, ingestRuns, outbox, sectionEmbeddings } from './schema.js';
import type { IngestJob, IngestRun, ModelSections, OutboxEntry, RunProgress } from './types.js';

export async function startRun(db: Db, atlas: string, modelIds: string[], sectionIds: string[]): Promise<IngestRun> {
  const models = [...new Set(modelIds)].sort();
  if (models.length === 0) throw new CytoclipError('ingest_invalid', 'an ingest run needs at least one model');
  return db.transaction(async (tx) => {
    // Workers starting together serialise on the atlas row, so they all join one run.
    const locked = await rows(tx as unknown as Db, sql`SELECT name FROM atlases WHERE name = ${atlas} FOR UPDATE`);
    if (locked.length === 0) throw new CytoclipError('unknown_atlas', `unknown atlas ${atlas}`, { status: 404 });
    const open = await tx
      .select()
      .from(ingestRuns)
      .where(
        and(
          eq(ingestRuns.atlas, atlas),
          eq(ingestRuns.status, 'running'),
          sql`${ingestRuns.models} = ${sql.param(models)}::text[]`,
        ),
      )
      .limit(1);
    const done = await rows<{ section: string }>(
      tx as unknown as Db,
      sql`SELECT section FROM section_embeddings WHERE atlas = ${atlas} AND model = ANY(${sql.param(models)}::text[])
          GROUP BY section HAVING count(*) = ${models.length}`,
    );
    const skip = new Set(done.map((d) => d.section));
    const todo = [...new Set(sectionIds)].filter((s) => !skip.has(s));
    if (open[0]) {
      // A section withdrawn since the run began (its source changed) lost its job with its rows: it gets a new one.
      if (todo.length > 0)
        await tx
          .insert(ingestJobs)
          .values(todo.map((section) => ({ runId: open[0]!.id, section })))
          .onConflictDoNothing();
      return toRun(open[0]);
    }
    const id = randomUUID();
    const status = todo.length === 0 ? 'complete' : 'running';
    await tx
      .insert(ingestRuns)
      .values({ id, atlas, models, status, finishedAt: todo.length === 0 ? sql`now()` : null });
    if (todo.length > 0) await tx.insert(ingestJobs).values(todo.map((section) => ({ runId: id, section })));
    return toRun((await tx.select().from(ingestRuns).where(eq(ingestRuns.id, id)))[0]!);
  });
}

export async function getRun(db: Db, id: string): Promise<IngestRun | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const found = await db.select().from(ingestRuns).where(eq(ingestRuns.id, id));
  return found[0] ? toRun(found[0]) : null;
}

export async function listRuns(db: Db, atlas?: string): Promise<IngestRun[]> {
  const found = await db
    .select()
    .from(ingestRuns)
    .where(atlas === undefined ? undefined : eq(ingestRuns.atlas, atlas))
    .orderBy(desc(ingestRuns.createdAt));
  return found.map(toRun);
}

/** A section whose worker died this many times (killed mid-job, e.g. out of memory) is failed, not retried forever. */
export const MAX_ATTEMPTS = 3;

const GAVE_UP = {
  code: 'too_many_attempts',
  message: `the section's worker stopped ${MAX_ATTEMPTS} times without finishing it`,
};

export async function leaseJob(db: Db, runId: string, owner: string, leaseMs: number): Promise<IngestJob | null> {
  await db.execute(
    sql`UPDATE ingest_jobs SET status = 'failed', error = ${JSON.stringify(GAVE_UP)}::jsonb, finished_at = now(), lease_expires_at = NULL
        WHERE run_id = ${runId} AND status = 'leased' AND lease_expires_at < now() AND attempts >= ${MAX_ATTEMPTS}`,
  );
  const found = await rows<JobSqlRow>(
    db,
    sql`UPDATE ingest_jobs SET status = 'leased', lease_owner = ${owner},
          lease_expires_at = now() + ${leaseMs} * interval '1 millisecond', attempts = attempts + 1,
          started_at = coalesce(started_at, now())
        WHERE id = (SELECT id FROM ingest_jobs
                    WHERE run_id = ${runId} AND (status = 'pending' OR (status = 'leased' AND lease_expires_at < now()))
                    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
  );
  return found[0] ? fromSql(found[0]) : null;
}

export async function renewLease(db: Db, jobId: number, owner: string, leaseMs: number): Promise<boolean> {
  const n = await affected(
    db,
    sql`UPDATE ingest_jobs SET lease_expires_at = now() + ${leaseMs} * interval '1 millisecond'
        WHERE id = ${jobId} AND lease_owner = ${owner} AND status = 'leased'`,
  );
  return n > 0;
}

/**
 * Hands back the leases of owners that died (every owner of the run, or only `owner`): each counts as an attempt, so
 * a section that kills its worker is failed after MAX_ATTEMPTS instead of being retried forever.
 */
export async function releaseLeases(db: Db, runId: string, owner?: string): Promise<number> {
  const whose = owner === undefined ? sql`` : sql` AND lease_owner = ${owner}`;
  await db.execute(
    sql`UPDATE ingest_jobs SET status = 'failed', error = ${JSON.stringify(GAVE_UP)}::jsonb, finished_at = now(), lease_expires_at = NULL
        WHERE run_id = ${runId} AND status = 'leased' AND attempts >= ${MAX_ATTEMPTS}${whose}`,
  );
  return affected(
    db,
    sql`UPDATE ingest_jobs SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL
        WHERE run_id = ${runId} AND status = 'leased'${whose}`,
  );
}

/**
 * A living owner hands a job back unfinished (it is shutting down): pending again at once, and the attempt it took is
 * returned, since the section did not stop its worker. False when `owner` no longer holds it.
 */
export async function releaseJob(db: Db, jobId: number, owner: string): Promise<boolean> {
  const n = await affected(
    db,
    sql`UPDATE ingest_jobs SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL,
          attempts = greatest(attempts - 1, 0)
        WHERE id = ${jobId} AND lease_owner = ${owner} AND status = 'leased'`,
  );
  return n > 0;
}

/** Locks the job row; true when `owner` still holds its lease. */
export async function holdsLease(
  db: Db,
  jobId: number,
  owner: string,
): Promise<{ runId: string; section: string } | null> {
  const found = await rows<{ run_id: string; section: string; status: string; lease_owner: string | null }>(
    db,
    sql`SELECT run_id, section, status, lease_owner FROM ingest_jobs WHERE id = ${jobId} FOR UPDATE`,
  );
  const job = found[0];
  return job && job.status === 'leased' && job.lease_owner === owner
    ? { runId: job.run_id, section: job.section }
    : null;
}

/** Closes the job; `tiles` adds to those its bands committed, and the sum is what the section planned. */
export async function markDone(db: Db, jobId: number, counts: { tiles: number; regionImages: number }): Promise<void> {
  await db
    .update(ingestJobs)
    .set({
      status: 'done',
      tiles: sql`${ingestJobs.tiles} + ${counts.tiles}`,
      tilesPlanned: sql`${ingestJobs.tiles} + ${counts.tiles}`,
      regionImages: counts.regionImages,
      finishedAt: sql`now()`,
      leaseExpiresAt: null,
      error: null,
    })
    .where(eq(ingestJobs.id, jobId));
}

/**
 * Where a band stands against the job (its row locked by holdsLease): 'next' to commit, 'done' (committed before:
 * re-committing is a no-op), or the band the job expects when `index` skips ahead.
 */
export async function bandState(db: Db, jobId: number, index: number): Promise<'next' | 'done' | number> {
  const found = await db.select({ done: ingestJobs.bandsDone }).from(ingestJobs).where(eq(ingestJobs.id, jobId));
  const done = found[0]?.done ?? 0;
  return index < done ? 'done' : index === done ? 'next' : done;
}

/** Records a committed band and renews the lease: a worker that commits bands is alive. */
export async function markBand(
  db: Db,
  jobId: number,
  band: { index: number; bands: number; bandTiles: number; tilesPlanned: number; tiles: number },
  leaseMs: number,
): Promise<void> {
  await db
    .update(ingestJobs)
    .set({
      bandsDone: band.index + 1,
      bandsTotal: band.bands,
      bandTiles: sql`coalesce(${ingestJobs.bandTiles}, ${band.bandTiles})`,
      tilesPlanned: band.tilesPlanned,
      tiles: sql`${ingestJobs.tiles} + ${band.tiles}`,
      leaseExpiresAt: sql`now() + ${leaseMs} * interval '1 millisecond'`,
    })
    .where(eq(ingestJobs.id, jobId));
}

export async function markEmbedded(db: Db, atlas: string, section: string, models: string[]): Promise<void> {
  await db
    .insert(sectionEmbeddings)
    .values(models.map((model) => ({ atlas, section, model })))
    .onConflictDoNothing();
}

export async function failJob(
  db: Db,
  jobId: number,
  owner: string,
  error: { code: string; message: string },
): Promise<boolean> {
  const updated = await db
    .update(ingestJobs)
    .set({ status: 'failed', error, finishedAt: sql`now()`, leaseExpiresAt: null })
    .where(and(eq(ingestJobs.id, jobId), eq(ingestJobs.leaseOwner, owner), eq(ingestJobs.status, 'leased')))
    .returning({ id: ingestJobs.id });
  return updated.length > 0;
}

export async function finishRun(db: Db, runId: string): Promise<IngestRun> {
  await db.execute(
    sql`UPDATE ingest_runs r SET finished_at = now(),
          status = CASE WHEN EXISTS (SELECT 1 FROM ingest_jobs j WHERE j.run_id = r.id AND j.status = 'failed') THEN 'failed' ELSE 'complete' END
        WHERE r.id = ${runId} AND r.status = 'running'
          AND NOT EXISTS (SELECT 1 FROM ingest_jobs j WHERE j.run_id = r.id AND j.status IN ('pending', 'leased'))`,
  );
  const run = await getRun(db, runId);
  if (!run) throw new CytoclipError('unknown_run', `unknown ingest run ${runId}`, { status: 404 });
  return run;
}

export async function runProgress(db: Db, runId: string): Promise<RunProgress> {
  const run = await getRun(db, runId);
  if (!run) throw new CytoclipError('unknown_run', `unknown ingest run ${runId}`, { status: 404 });
  const jobs = await db.select().from(ingestJobs).where(eq(ingestJobs.runId, runId)).orderBy(asc(ingestJobs.id));
  const count = (s: string) => jobs.filter((j) => j.status === s).length;
  const pending = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM outbox WHERE atlas = ${run.atlas}`);
  return {
    run,
    jobs: {
      total: jobs.length,
      pending: count('pending'),
      leased: count('leased'),
      done: count('done'),
      failed: count('failed'),
    },
    tiles: jobs.reduce((n, j) => n + j.tiles, 0),
    tilesPlanned: jobs.reduce((n, j) => n + (j.tilesPlanned ?? 0), 0),
    regionImages: jobs.reduce((n, j) => n + j.regionImages, 0),
    outboxPending: pending[0]?.n ?? 0,
    failures: jobs
      .filter((j) => j.status === 'failed')
      .map((j) => ({ section: j.section, error: j.error as { code: string; message: string } })),
    leases: jobs
      .filter((j) => j.status === 'leased')
      .map((j) => ({
        section: j.section,
        owner: j.leaseOwner ?? '',
        expiresAt: j.leaseExpiresAt ?? new Date(0),
        tiles: j.tiles,
        tilesPlanned: j.tilesPlanned,
      })),
  };
}

/**
 * Per model: the sections every ingested atlas's manifest lists, and how many of those the model has embedded. A
 * model is complete only when the two are equal (a new atlas, or a section withdrawn for a change, makes it partial).
 */
export async function modelSections(db: Db): Promise<Map<string, ModelSections>> {
  const found = await rows<{ id: string; done: number; total: number }>(
    db,
    sql`WITH listed AS (
          SELECT a.name AS atlas, s.value->>'id' AS section
          FROM atlases a CROSS JOIN LATERAL jsonb_array_elements(a.manifest->'sections') AS s)
        SELECT m.id, (SELECT count(*) FROM listed)::int AS total,
          (SELECT count(*) FROM listed l JOIN section_embeddings e
             ON e.atlas = l.atlas AND e.section = l.section AND e.model = m.id)::int AS done
        FROM models m`,
  );
  return new Map(found.map((r) => [r.id, { done: r.done, total: r.total }]));
}

export async function readOutbox(db: Db, limit: number, collection?: string): Promise<OutboxEntry[]> {
  const found = await db
    .select()
    .from(outbox)
    .where(collection === undefined ? undefined : eq(outbox.collection, collection))
    .orderBy(asc(outbox.id))
    .limit(limit);
  return found.map((r) => ({
    id: r.id,
    collection: r.collection,
    pointId: r.pointId,
    atlas: r.atlas,
    payload: r.payload as Record<string, unknown>,
    vector: toFloat32(r.vector),
  }));
}

export async function deleteOutbox(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`DELETE FROM outbox WHERE id = ANY(${sql.param(ids)}::bigint[])`);
}

export async function countOutbox(db: Db, collection?: string): Promise<number> {
  const where = collection === undefined ? sql`` : sql` WHERE collection = ${collection}`;
  const found = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM outbox${where}`);
  return found[0]?.n ?? 0;
}

/** Copies into an aligned buffer (a driver's Buffer may sit at any offset of a shared pool). */
function toFloat32(bytes: Buffer): Float32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

export function fromFloat32(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

interface JobSqlRow {
  id: number | string;
  run_id: string;
  section: string;
  status: string;
  lease_owner: string | null;
  lease_expires_at: string | Date | null;
  attempts: number;
  tiles: number;
  region_images: number;
  bands_done: number;
  bands_total: number | null;
  band_tiles: number | null;
  tiles_planned: number | null;
  error: IngestJob['error'];
}

function fromSql(r: JobSqlRow): IngestJob {
  return {
    id: Number(r.id),
    runId: r.run_id,
    section: r.section,
    status: r.status as IngestJob['status'],
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at === null ? null : new Date(r.lease_expires_at),
    attempts: r.attempts,
    tiles: r.tiles,
    regionImages: r.region_images,
    bandsDone: r.bands_done,
    bandsTotal: r.bands_total,
    bandTiles: r.band_tiles,
    tilesPlanned: r.tiles_planned,
    error: r.error,
  };
}

function toRun(r: typeof ingestRuns.$inferSelect): IngestRun {
  return { ...r, status: r.status as IngestRun['status'] };
}
