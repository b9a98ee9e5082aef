import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { CytoclipError } from '@cytoclip/domain';

/**
 * PGlite has no server to arbitrate: two processes on one folder would corrupt it. A pid file keeps a second process
 * out while the first lives; a pid that is gone (a killed process) is taken over, which is also what lets a
 * restarted ingest release the dead process's job leases at once.
 */
export function lockCatalogDir(dir: string): () => void {
  // Beside the folder, not in it: PostgreSQL's data folder is PGlite's business.
  const file = `${dir}.pid`;
  const holder = readHolder(file);
  if (holder !== null && holder !== process.pid && isAlive(holder))
    throw new CytoclipError(
      'catalog_locked',
      `the embedded catalog at ${dir} is open in another process (pid ${holder}); stop it, or set DATABASE_URL to share a PostgreSQL catalog`,
      {
        status: 409,
        detail: { dir, pid: holder },
      },
    );
  writeFileSync(file, String(process.pid));
  return () => {
    if (readHolder(file) === process.pid) rmSync(file, { force: true });
  };
}

function readHolder(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}
