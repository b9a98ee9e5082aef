import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { CytoclipError } from './errors.js';

export interface PidLockOptions {
  /** The error to throw when a living process holds the lock. */
  busy: (holder: number) => CytoclipError;
  /** Whether this process may take a lock it already holds (the catalog reopens its folder; a store must not). */
  reentrant?: boolean;
}

// A takeover marker older than this belongs to a process that died inside the few microseconds it holds one.
const STALE_TAKEOVER_MS = 10_000;

/**
 * One process at a time on a folder the embedded stores own (PGlite, the embedded vector store): a pid file created
 * exclusively. A lock whose process is gone (kill -9) is taken over, and the takeover itself is exclusive: only the
 * process that creates `<path>.takeover` may remove the dead lock, so two processes that both saw it dead can never
 * both end up holding it, and the loser never deletes the winner's lock. Returns the release function, which
 * removes the lock only while it is still this process's.
 */
export function acquirePidLock(path: string, options: PidLockOptions): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(path)) return release(path);
    const holder = readHolder(path);
    if (holder === process.pid && options.reentrant) return release(path);
    if (holder !== null && isAlive(holder)) throw options.busy(holder);
    if (takeOver(path, holder)) return release(path);
  }
  throw options.busy(readHolder(path) ?? 0);
}

/** Writes our pid under a unique name, then links it into place: the lock file never exists half-written. */
function createExclusive(path: string): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, String(process.pid));
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function takeOver(path: string, deadHolder: number | null): boolean {
  const marker = `${path}.takeover`;
  if (!createMarker(marker)) return false;
  try {
    // Re-read under the marker: another process may have taken the dead lock over and released it meanwhile.
    if (readHolder(path) !== deadHolder) return false;
    rmSync(path, { force: true });
    return createExclusive(path);
  } finally {
    rmSync(marker, { force: true });
  }
}

function createMarker(marker: string): boolean {
  try {
    writeFileSync(marker, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = Date.now() - (statMtime(marker) ?? Date.now());
    if (age > STALE_TAKEOVER_MS) rmSync(marker, { force: true });
    return false;
  }
}

function release(path: string): () => void {
  return () => {
    if (readHolder(path) === process.pid) rmSync(path, { force: true });
  };
}

function statMtime(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

function readHolder(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
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
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
