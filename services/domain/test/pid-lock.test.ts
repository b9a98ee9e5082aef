import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CytoclipError } from '../src/errors.js';
import { acquirePidLock } from '../src/pid-lock.js';

const busy = (holder: number) => new CytoclipError('store_locked', `held by ${holder}`, { status: 409 });
const MODULE = fileURLToPath(new URL('../src/pid-lock.ts', import.meta.url));

/**
 * A child process that tries the lock once and says "got" or "busy"; a lock it got is held until `<path>.done`
 * exists, so every winner overlaps every other contender however slowly the machine starts them.
 */
function contender(path: string): { said: Promise<string>; exited: Promise<void> } {
  const script = `
    const { existsSync } = await import('node:fs');
    const { acquirePidLock } = await import(${JSON.stringify(MODULE)});
    try {
      const release = acquirePidLock(${JSON.stringify(path)}, { busy: (h) => new Error('busy ' + h) });
      process.stdout.write('got');
      const wait = setInterval(() => { if (existsSync(${JSON.stringify(path + '.done')})) { clearInterval(wait); release(); } }, 20);
    } catch (error) { process.stdout.write(String(error.message).startsWith('busy') ? 'busy' : 'error ' + error.message); }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const said = new Promise<string>((resolve) =>
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())),
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { said, exited };
}

/** Starts `n` contenders together; returns what each said, after the winners have released. */
async function race(path: string, n: number): Promise<string[]> {
  const contenders = Array.from({ length: n }, () => contender(path));
  const outcomes = await Promise.all(contenders.map((c) => c.said));
  writeFileSync(`${path}.done`, '');
  await Promise.all(contenders.map((c) => c.exited));
  return outcomes;
}

/** A pid no process has: one that just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('acquirePidLock', () => {
  it('keeps a second holder out while the first lives, and lets it in after release', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pid-lock-')), 'LOCK');
    const release = acquirePidLock(path, { busy });
    expect(readFileSync(path, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(path)).toBe(false);
    acquirePidLock(path, { busy })();
  });

  it('takes over the lock of a dead process', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pid-lock-')), 'LOCK');
    writeFileSync(path, String(await deadPid()));
    const release = acquirePidLock(path, { busy });
    expect(readFileSync(path, 'utf8')).toBe(String(process.pid));
    release();
  });

  it('refuses this process a second hold unless it is reentrant', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pid-lock-')), 'LOCK');
    const release = acquirePidLock(path, { busy });
    expect(() => acquirePidLock(path, { busy })).toThrow(`held by ${process.pid}`);
    acquirePidLock(path, { busy, reentrant: true });
    release();
  });

  it('names the living holder', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pid-lock-')), 'LOCK');
    writeFileSync(path, String(process.ppid));
    expect(() => acquirePidLock(path, { busy })).toThrow(`held by ${process.ppid}`);
  });

  it('lets exactly one of many simultaneous starts in, on a free lock and on a dead one', async () => {
    const free = join(mkdtempSync(join(tmpdir(), 'pid-lock-')), 'LOCK');
    const dead = join(mkdtempSync(join(tmpdir(), 'pid-lock-')), 'LOCK');
    writeFileSync(dead, String(await deadPid()));
    for (const path of [free, dead]) {
      const outcomes = await race(path, 8);
      expect(outcomes.filter((o) => o === 'got')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'busy')).toHaveLength(7);
      expect(existsSync(path)).toBe(false); // the winner released it; no loser deleted it or left its own
    }
  }, 120_000);
});
