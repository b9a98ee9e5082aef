import { acquirePidLock, CytoclipError } from '@cytoclip/domain';

/**
 * PGlite has no server to arbitrate: two processes on one folder would corrupt it. A pid file keeps a second process
 * out while the first lives; a pid that is gone (a killed process) is taken over, which is also what lets a
 * restarted ingest release the dead process's job leases at once. Both are exclusive (acquirePidLock).
 */
export function lockCatalogDir(dir: string): () => void {
  // Beside the folder, not in it: PostgreSQL's data folder is PGlite's business.
  return acquirePidLock(`${dir}.pid`, {
    reentrant: true,
    busy: (holder) =>
      new CytoclipError(
        'catalog_locked',
        `the embedded catalog at ${dir} is open in another process (pid ${holder}); stop it, or set DATABASE_URL to share a PostgreSQL catalog`,
        { status: 409, detail: { dir, pid: holder } },
      ),
  });
}
