// npm run bench:fixture [-- --tiles 20000] [--preset demo] [--cache ~/.cache/cytoclip-bench] [--first-seed 101]
// A collection of real embeddings for bench:search --fixture and bench:query: generated atlases (new seeds, each
// atlas renamed <preset atlas>-s<seed>) ingested for real — tiles rendered, embedded by the bundled models, written to
// the catalog and the vector store — into <cache>/data, seed after seed until the tile collection holds --tiles
// points. Everything stays in the cache (outside the work tree) and is reused: a second run with a larger --tiles only
// adds seeds. Prints JSON and writes <cache>/fixture.json. Through the CLI (`atlas generate`, `ingest`), so the rows
// are the platform's own.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedVectorStore } from '../index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const target = Number(flag('tiles', '20000'));
const preset = flag('preset', 'demo');
const cache = resolve(flag('cache', process.env.CYTOCLIP_BENCH_CACHE ?? join(homedir(), '.cache', 'cytoclip-bench')));
const firstSeed = Number(flag('first-seed', '101'));
const dataDir = join(cache, 'data');

/** The platform's CLI from the sources, with the fixture's data folder. */
function cli(command: string[]): string {
  const run = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(ROOT, 'apps/cli/src/run.ts'), ...command],
    { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (run.status !== 0) throw new Error(`cytoclip ${command.join(' ')} failed (${run.status})`);
  return run.stdout;
}

/** Points in the tile collection (the store closed again, so the CLI can open it). */
async function tileCount(): Promise<{ collection: string | null; tiles: number }> {
  if (!existsSync(join(dataDir, 'vectors'))) return { collection: null, tiles: 0 };
  const store = await EmbeddedVectorStore.open(dataDir);
  try {
    const tile = (await store.listCollections()).find((c) => c.name.includes('-tile'));
    return { collection: tile?.name ?? null, tiles: tile?.count ?? 0 };
  } finally {
    await store.close();
  }
}

/** Generates the seed's atlas once (renamed, so seeds do not collide), then ingests it (a no-op when done before). */
function addSeed(seed: number): { atlas: string; seconds: { generate: number; ingest: number } } {
  const folder = join(cache, 'atlases', `${preset}-s${seed}`);
  let started = performance.now();
  if (!existsSync(join(folder, 'atlas.json')))
    cli(['atlas', 'generate', '--preset', preset, '--seed', String(seed), '--out', folder, '--force']);
  const atlasFile = join(folder, 'atlas.json');
  const atlas = JSON.parse(readFileSync(atlasFile, 'utf8')) as { name: string };
  const name = atlas.name.endsWith(`-s${seed}`) ? atlas.name : `${atlas.name}-s${seed}`;
  if (atlas.name !== name) writeFileSync(atlasFile, `${JSON.stringify({ ...atlas, name }, null, 2)}\n`);
  const generate = (performance.now() - started) / 1000;
  started = performance.now();
  cli(['ingest', folder]);
  return { atlas: name, seconds: { generate: round(generate), ingest: round((performance.now() - started) / 1000) } };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

mkdirSync(cache, { recursive: true });
const added = [];
let count = await tileCount();
for (let seed = firstSeed; count.tiles < target; seed++) {
  added.push({ seed, ...addSeed(seed) });
  count = await tileCount();
  process.stderr.write(`fixture: seed ${seed}, ${count.tiles} tiles\n`);
}
const fixture = {
  bench: 'fixture',
  dataDir,
  collection: count.collection,
  tiles: count.tiles,
  preset,
  models: process.env.CYTOCLIP_MODELS ?? join(ROOT, 'models'),
  added,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
};
writeFileSync(join(cache, 'fixture.json'), `${JSON.stringify(fixture, null, 2)}\n`);
console.log(JSON.stringify(fixture, null, 2));
