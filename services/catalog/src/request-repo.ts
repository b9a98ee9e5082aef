import { randomUUID } from 'node:crypto';
import { isUuid } from '@cytoclip/domain';
import { and, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { ingestRequests } from './schema.js';
import type { IngestRequest, IngestRequestState, IngestRequestUpdate } from './types.js';

// POST /v1/ingest's requests. The serving process that owns one renews its lease while alive; nothing else writes
// to it, except that a live request whose owner is gone is failed with INTERRUPTED, so it never reads "running"
// forever. The work itself (the catalog run) is resumable, which the message tells the user.

export const INTERRUPTED =
  'interrupted: the server stopped while this ingest was queued or running; POST /v1/ingest again to resume it (sections already ingested are kept)';

const LIVE: IngestRequestState[] = ['queued', 'running'];
const leaseUntil = (leaseMs: number) => sql`now() + ${leaseMs} * interval '1 millisecond'`;

export async function createIngestRequest(
  db: Db,
  input: { atlasPath: string; owner: string; leaseMs: number },
): Promise<IngestRequest> {
  const [row] = await db
    .insert(ingestRequests)
    .values({
      id: randomUUID(),
      atlasPath: input.atlasPath,
      owner: input.owner,
      leaseExpiresAt: leaseUntil(input.leaseMs),
    })
    .returning();
  return toRequest(row!);
}

/** Applies the owner's update and renews its lease; false when `owner` does not own the request. */
export async function updateIngestRequest(
  db: Db,
  id: string,
  owner: string,
  update: IngestRequestUpdate,
  leaseMs: number,
): Promise<boolean> {
  if (!isUuid(id)) return false;
  const final = update.state === 'done' || update.state === 'failed';
  const updated = await db
    .update(ingestRequests)
    .set({
      ...update,
      leaseExpiresAt: leaseUntil(leaseMs),
      updatedAt: sql`now()`,
      ...(update.state === 'running' ? { startedAt: sql`coalesce(${ingestRequests.startedAt}, now())` } : {}),
      ...(final ? { finishedAt: sql`now()` } : {}),
    })
    .where(and(eq(ingestRequests.id, id), eq(ingestRequests.owner, owner)))
    .returning({ id: ingestRequests.id });
  return updated.length > 0;
}

/** Renews the lease of every live request `owner` holds (its heartbeat); returns how many. */
export async function renewIngestRequests(db: Db, owner: string, leaseMs: number): Promise<number> {
  const renewed = await db
    .update(ingestRequests)
    .set({ leaseExpiresAt: leaseUntil(leaseMs) })
    .where(and(eq(ingestRequests.owner, owner), inArray(ingestRequests.state, LIVE)))
    .returning({ id: ingestRequests.id });
  return renewed.length;
}

/** A request, failed first with INTERRUPTED when it is still live but its owner stopped renewing it. */
export async function getIngestRequest(db: Db, id: string): Promise<IngestRequest | null> {
  if (!isUuid(id)) return null;
  await interrupt(db, and(eq(ingestRequests.id, id), lt(ingestRequests.leaseExpiresAt, sql`now()`)));
  const found = await db.select().from(ingestRequests).where(eq(ingestRequests.id, id));
  return found[0] ? toRequest(found[0]) : null;
}

/**
 * Fails every live request not owned by `owner` (default: every live one). For the single-process embedded catalog
 * at start-up, where no other process can be running one.
 */
export async function interruptIngestRequests(db: Db, exceptOwner?: string): Promise<number> {
  return interrupt(db, exceptOwner === undefined ? undefined : ne(ingestRequests.owner, exceptOwner));
}

async function interrupt(db: Db, where: ReturnType<typeof and>): Promise<number> {
  const failed = await db
    .update(ingestRequests)
    .set({ state: 'failed', error: INTERRUPTED, updatedAt: sql`now()`, finishedAt: sql`now()` })
    .where(and(inArray(ingestRequests.state, LIVE), where))
    .returning({ id: ingestRequests.id });
  return failed.length;
}

function toRequest(r: typeof ingestRequests.$inferSelect): IngestRequest {
  return { ...r, state: r.state as IngestRequestState };
}
