// Dev only: the real query app over the synthetic fixture atlas, serving the built UI from dist/.
// Run: npx tsx apps/web/test/support/dev-server.ts [port]   (then `vite` in apps/web proxies /v1 to it, or open it directly)
import { fileURLToPath } from 'node:url';
import { serve } from '@cytoclip/query';
import { buildFixtureApp } from './fixture-atlas.js';

const staticDir = fileURLToPath(new URL('../../dist', import.meta.url));
const { app, tiles } = await buildFixtureApp({ staticDir });
const listening = await serve(app, { port: Number(process.argv[2] ?? 8787), host: '127.0.0.1' });
console.log(`fixture atlas (${tiles} tiles) on ${listening.url}`);
