import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CytoclipError } from '@cytoclip/domain';

/**
 * One process at a time: the embedded store keeps its index in memory, so a second writer would diverge from it.
 * A lock left by a killed process (its pid gone) is taken over.
 */
export function acquireLock(root: string): () => void {
  const path = join(root, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8'));
      if (isAlive(holder)) {
        throw new CytoclipError('store_locked', `the vector store in ${root} is open in process ${holder}`, {
          status: 409,
        });
      }
      rmSync(path, { force: true });
    }
  }
  throw new CytoclipError('store_locked', `could not lock the vector store in ${root}`, { status: 409 });
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
