// Dev only: the real platform of the end-to-end suite (tiny preset ingested into PGlite + the embedded vector store),
// serving the built UI from dist/. The stores live in DATA_DIR/web-dev (default ./data/web-dev) and are reused.
// Run: npm run dev -w @cytoclip/web [-- port]   (then `vite` in apps/web proxies /v1 to it, or open it directly)
import { join, resolve } from 'node:path';
import { startServer } from './server.js';

const dataDir = join(resolve(process.env.DATA_DIR ?? './data'), 'web-dev');
const server = await startServer({ dataDir, port: Number(process.argv[2] ?? 8787) });
console.log(`${server.atlas} on ${server.url}`);
