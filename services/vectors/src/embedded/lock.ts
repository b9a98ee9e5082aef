import { join } from 'node:path';
import { acquirePidLock, CytoclipError } from '@cytoclip/domain';

/**
 * One process at a time: the embedded store keeps its index in memory, so a second writer would diverge from it.
 * A lock left by a killed process (its pid gone) is taken over, exclusively (acquirePidLock).
 */
export function acquireLock(root: string): () => void {
  return acquirePidLock(join(root, 'LOCK'), {
    busy: (holder) =>
      new CytoclipError('store_locked', `the vector store in ${root} is open in process ${holder}`, { status: 409 }),
  });
}
