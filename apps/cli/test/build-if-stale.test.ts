import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/support/index.js';

// bin/build-if-stale.js on a small workspace tree of its own: builds once, then only when a source is newer.
const SCRIPT = join(REPO_ROOT, 'apps/cli/bin/build-if-stale.js');
const root = mkdtempSync(join(tmpdir(), 'cytoclip-build-stamp-'));

function write(path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

function script(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [SCRIPT, '--root', root, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Sets a file's mtime `seconds` from now. */
function age(path: string, seconds: number): void {
  const at = new Date(Date.now() + seconds * 1000);
  utimesSync(join(root, path), at, at);
}

write('tsconfig.json', JSON.stringify({ files: [], references: [{ path: 'services/a' }] }));
write(
  'services/a/tsconfig.json',
  JSON.stringify({ compilerOptions: { composite: true, rootDir: '.', outDir: 'dist' }, include: ['src/**/*.ts'] }),
);
write('services/a/package.json', '{}');
write('services/a/src/x.ts', 'export const x = 1;\n');

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('build when stale', () => {
  it('builds a tree without a stamp, writes the stamp, and then does nothing', () => {
    expect(script('--check')).toMatchObject({ code: 1, out: 'stale: no build stamp\n' });
    const first = script();
    expect(first.code, first.err).toBe(0);
    expect(first.err).toContain('building (no build stamp)');
    expect(existsSync(join(root, 'services/a/dist/src/x.js'))).toBe(true);
    expect(existsSync(join(root, 'apps/cli/dist/.build-stamp'))).toBe(true);
    expect(script('--check')).toMatchObject({ code: 0, out: 'fresh\n' });
    expect(script()).toMatchObject({ code: 0, err: '' });
  }, 120_000);

  it('is stale when a source, a tsconfig or the lock file is newer, or an output folder is gone; tests do not count', () => {
    write('services/a/src/x.test.ts', 'export {};\n');
    age('services/a/src/x.test.ts', 60);
    expect(script('--check').out).toBe('fresh\n');
    age('services/a/src/x.ts', 60);
    expect(script('--check')).toMatchObject({ code: 1, out: expect.stringContaining('services/a/src changed') });
    age('services/a/src/x.ts', -3600);
    write('package-lock.json', '{}');
    age('package-lock.json', 60);
    expect(script('--check').out).toContain('package-lock.json changed');
    age('package-lock.json', -3600);
    age('services/a/tsconfig.json', 60);
    expect(script('--check').out).toContain('tsconfig.json changed');
    age('services/a/tsconfig.json', -3600);
    expect(script('--check').out).toBe('fresh\n');
    rmSync(join(root, 'services/a/dist'), { recursive: true });
    expect(script('--check').out).toContain('dist is missing');
  });

  it('reports a failing build with its status, but never fails `npm ci` through --prepare', () => {
    write('services/a/src/x.ts', 'export const x: number = "one";\n');
    age('services/a/src/x.ts', 60);
    const failed = script();
    expect(failed.code).not.toBe(0);
    expect(failed.err).toContain('the TypeScript build failed');
    const prepared = script('--prepare');
    expect(prepared.code).toBe(0);
    expect(prepared.err).toContain('will try again');
    expect(script('--check').code).toBe(1);
  }, 120_000);
});
