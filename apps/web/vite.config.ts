import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

const outDir = join(import.meta.dirname, 'dist');

/**
 * The app builds into dist/ (what the CLI serves) beside dist/node/, the compiled Node face that `tsc -b` writes, so
 * Vite must not empty dist/: this removes only its own previous output.
 */
const cleanOwnOutput: Plugin = {
  name: 'cytoclip-clean-own-output',
  apply: 'build',
  buildStart() {
    for (const path of ['assets', 'index.html']) rmSync(join(outDir, path), { recursive: true, force: true });
  },
};

// Preact's automatic JSX runtime through Vite's own transformer: no Babel preset needed.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [cleanOwnOutput],
  // Workspace packages (@cytoclip/domain/types) are read from their TypeScript sources, as the tests do: the build
  // never depends on their dist/ being compiled, nor on a stale one.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir,
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8787', '/healthz': 'http://127.0.0.1:8787' } },
});
