import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A lease owner's name: `host/pid/random`, so a process on the same host can tell whether the owner still lives. */
export function ownerName(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
}

/**
 * True when `owner` names a process of this host that no longer exists: its leases can be taken over at once instead
 * of after they lapse. Anything else (another host, a name of another form, a live or unknowable pid) is false, and
 * its leases are taken over only when they expire.
 */
export function ownerIsDeadHere(owner: string): boolean {
  const parts = owner.split('/');
  if (parts.length < 3) return false;
  const pid = Number(parts.at(-2));
  const host = parts.slice(0, -2).join('/');
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'; // EPERM: alive, another user's
  }
}
