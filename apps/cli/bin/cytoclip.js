#!/usr/bin/env node
// Placeholder until the CLI lands: builds what is stale, then runs dist/main.js.
console.error('cytoclip: not built yet');
process.exit(1);
