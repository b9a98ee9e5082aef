import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CytoclipError } from '@cytoclip/domain';

/** apps/web, whether this runs from index.ts (source) or dist/node/index.js (built). */
export const WEB_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'vite.config.ts')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** The built app that the query API serves at `/` (its `staticDir`): apps/web/dist (dist/node is this Node face). */
export function webDistDir(): string {
  return join(WEB_ROOT, 'dist');
}

// The app bundles domain's browser-safe face from its sources (vite.config.ts), so those count as inputs too.
const INPUTS = [
  'index.html',
  'vite.config.ts',
  'package.json',
  'tsconfig.ui.json',
  'src/ui',
  '../../services/domain/types.ts',
  '../../services/domain/src',
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** True when dist/index.html is missing or older than any source of the app. */
export function webBuildIsStale(root = WEB_ROOT): boolean {
  const built = join(root, 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return INPUTS.some((input) => newestMtime(join(root, input)) > builtAt);
}

/** Vite's command-line script (its package exports do not expose bin/, so look for it the way Node would). */
function viteBin(): string | null {
  for (let dir = WEB_ROOT; ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', 'vite', 'bin', 'vite.js');
    if (existsSync(bin)) return bin;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * Builds the app with Vite when stale (about 1 s). Without Vite (installed without dev dependencies) a present
 * build is served as it is; a missing one is an error that says how to build it.
 */
export function buildWebIfStale(options: { quiet?: boolean } = {}): { built: boolean; dir: string } {
  const dir = webDistDir();
  if (!webBuildIsStale()) return { built: false, dir };
  const vite = viteBin();
  if (!vite) {
    if (existsSync(join(dir, 'index.html'))) return { built: false, dir };
    throw new CytoclipError(
      'web_not_built',
      'the web app is not built and Vite is not installed: run `npm run build -w @cytoclip/web`',
    );
  }
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', options.quiet ? 'error' : 'warn'], {
    cwd: WEB_ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0)
    throw new CytoclipError(
      'web_build_failed',
      `the web app build failed (vite exited ${result.status ?? 'by a signal'})`,
      { status: 500 },
    );
  return { built: true, dir: resolve(dir) };
}
