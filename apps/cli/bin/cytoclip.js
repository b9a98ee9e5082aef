#!/usr/bin/env node
// Builds what is stale (tsc -b is incremental: a no-op build takes about a second), then runs the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const require = createRequire(import.meta.url);

function typescriptCompiler() {
  try {
    return require.resolve('typescript/bin/tsc');
  } catch {
    return null; // installed without dev dependencies: run what was built
  }
}

const tsc = process.env.CYTOCLIP_SKIP_BUILD ? null : typescriptCompiler();
if (tsc && existsSync(resolve(root, 'tsconfig.json'))) {
  const built = spawnSync(process.execPath, [tsc, '-b', root], { stdio: 'inherit' });
  if (built.status !== 0) {
    console.error('cytoclip: the TypeScript build failed (see above)');
    process.exit(built.status ?? 1);
  }
}
await import('../dist/src/run.js');
