import { defineConfig } from 'vitest/config';

// Tests import workspace packages through their "source" export condition, so they run on the TypeScript
// sources and never on a stale dist/. No 'import' here: these conditions also reach Node's require(), where 'import'
// makes CommonJS packages load ESM builds (pg's require('pg-pool') got a module namespace and crashed).
const conditions = ['source', 'node', 'module', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    include: [
      'services/*/src/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
