#!/usr/bin/env node
// Builds the TypeScript workspaces (`tsc -b`) only when a source is newer than the last successful build, so a
// `cytoclip` call costs a few hundred stat() calls instead of a compile. Run by bin/cytoclip.js before every
// command and by the root package's `prepare` (so `npm ci` leaves a built tree). Plain JavaScript: it runs before
// anything is compiled.
//   node apps/cli/bin/build-if-stale.js [--check | --prepare] [--root DIR]
//   (--check: print fresh or stale: <reason>, exit 1 when stale; --prepare: exit 0 even when the build fails)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Written after a successful build; holds the time the build started (sources saved during it count as newer). */
export const STAMP = 'apps/cli/dist/.build-stamp';
// What tsc -b reads: each workspace's tsconfig include (index.ts, types.ts, src/, bench/), its tsconfig and
// package.json, the shared tsconfigs, and the lock file (a new dependency version may change the types).
const ROOT_FILES = ['tsconfig.json', 'tsconfig.base.json', 'package-lock.json'];
const WORKSPACE_FILES = ['tsconfig.json', 'package.json', 'index.ts', 'types.ts'];
const WORKSPACE_DIRS = ['src', 'bench'];

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Newest mtime of the .ts/.json files under dir (test files left out: tsc -b does not build them). */
function newestUnder(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') newest = Math.max(newest, newestUnder(path));
    } else if (/\.(ts|json)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name))
      newest = Math.max(newest, mtime(path));
  }
  return newest;
}

/** The workspaces tsc -b builds: every services/* and apps/* folder with a tsconfig.json. */
function workspaces(root) {
  return ['services', 'apps'].flatMap((group) => {
    const base = join(root, group);
    if (!existsSync(base)) return [];
    return readdirSync(base)
      .map((name) => join(base, name))
      .filter((dir) => existsSync(join(dir, 'tsconfig.json')));
  });
}

function readStamp(root) {
  try {
    return JSON.parse(readFileSync(join(root, STAMP), 'utf8')).builtFrom;
  } catch {
    return null;
  }
}

/** Why a build is needed (a short reason), or null when the last build is newer than every source. */
export function staleness(root = REPO_ROOT) {
  const builtFrom = readStamp(root);
  if (typeof builtFrom !== 'number') return 'no build stamp';
  const dirs = workspaces(root);
  for (const dir of dirs) {
    const config = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'));
    const outDir = join(dir, config.compilerOptions?.outDir ?? 'dist');
    if (!existsSync(outDir)) return `${outDir} is missing`;
  }
  for (const file of ROOT_FILES) if (mtime(join(root, file)) > builtFrom) return `${file} changed`;
  for (const dir of dirs) {
    for (const file of WORKSPACE_FILES) if (mtime(join(dir, file)) > builtFrom) return `${join(dir, file)} changed`;
    for (const sub of WORKSPACE_DIRS) if (newestUnder(join(dir, sub)) > builtFrom) return `${join(dir, sub)} changed`;
  }
  return null;
}

function typescriptCompiler() {
  try {
    return createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    return null; // installed without dev dependencies: run what was built
  }
}

/** Runs `tsc -b` when stale; returns the exit status (0 also when nothing was to do or no compiler is installed). */
export function buildIfStale(root = REPO_ROOT) {
  if (process.env.CYTOCLIP_SKIP_BUILD || !existsSync(join(root, 'tsconfig.json'))) return 0;
  const reason = staleness(root);
  if (reason === null) return 0;
  const tsc = typescriptCompiler();
  if (!tsc) return 0;
  const startedAt = Date.now();
  process.stderr.write(`cytoclip: building (${reason}) …\n`);
  const built = spawnSync(process.execPath, [tsc, '-b', root], { stdio: 'inherit' });
  if (built.status !== 0) {
    process.stderr.write('cytoclip: the TypeScript build failed (see above)\n');
    return built.status ?? 1;
  }
  mkdirSync(dirname(join(root, STAMP)), { recursive: true });
  writeFileSync(join(root, STAMP), `${JSON.stringify({ builtFrom: startedAt })}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const rootAt = args.indexOf('--root');
  const root = rootAt >= 0 ? resolve(args[rootAt + 1]) : REPO_ROOT;
  if (args.includes('--check')) {
    const reason = staleness(root);
    process.stdout.write(reason === null ? 'fresh\n' : `stale: ${reason}\n`);
    process.exitCode = reason === null ? 0 : 1;
  } else if (args.includes('--prepare')) {
    // npm ci's `prepare`: a failing build must not fail the install; the next cytoclip call builds and reports it.
    if (buildIfStale(root) !== 0) process.stderr.write('cytoclip: not built; `npx cytoclip` will try again\n');
  } else process.exitCode = buildIfStale(root);
}
