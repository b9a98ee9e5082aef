#!/usr/bin/env node
// Builds only when a source is newer than the last build (bin/build-if-stale.js: stat() calls, no compiler start),
// then runs the CLI.
import { buildIfStale } from './build-if-stale.js';

const status = buildIfStale();
if (status !== 0) process.exit(status);
await import('../dist/src/run.js');
