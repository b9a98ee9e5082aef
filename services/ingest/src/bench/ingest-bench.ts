// npm run bench:ingest [-- --atlas <dir>] [--model <dir>] [--sections N] [--python-tiles N] [--repeat N] [--python-pooled-only]
// Tiles/s on the demo atlas (generated into DATA_DIR/atlases when absent) with a tile model (models/*tile*, else the
// test fixture): tiling alone (plan + cut), inference alone (the pre-cut tiles through the image workers), end to end
// (section TIFF to stored vectors, fresh PGlite catalog and embedded store), and a plain PyTorch loop over the same
// tiles pre-cut to PNG, as ratios. Prints one JSON document.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateAtlas, writeAtlasFiles } from '@cytoclip/atlas';
import { openCatalog } from '@cytoclip/catalog';
import { CytoclipModel } from '@cytoclip/model';
import { cutTiles, decodeImage, openSection, planTiles, toPng, type RawImage } from '@cytoclip/slides';
import { openVectorStore } from '@cytoclip/vectors';
import { checkSectionFiles, readAtlas } from '../atlas-files.js';
import { ingestAtlas } from '../ingest.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../../..');

const { values } = parseArgs({
  options: {
    atlas: { type: 'string' },
    model: { type: 'string' },
    sections: { type: 'string' },
    'python-tiles': { type: 'string', default: '2000' },
    repeat: { type: 'string', default: '1' },
    'python-pooled-only': { type: 'boolean', default: false },
  },
});

function defaultModel(): string {
  const models = join(root, 'models');
  const found = existsSync(models)
    ? readdirSync(models).filter((d) => d.includes('tile') && existsSync(join(models, d, 'model.json')))
    : [];
  return found.length ? join(models, found.sort()[0]!) : join(root, 'services/model/test/fixture-model');
}

async function demoAtlas(): Promise<string> {
  const dir = resolve(process.env.DATA_DIR ?? 'data', 'atlases', 'demo-fetal-nissl');
  if (!existsSync(join(dir, 'atlas.json'))) await generateAtlas({ preset: 'demo', seed: 1, out: dir });
  return dir;
}

async function tilingOnly(atlasDir: string, model: CytoclipModel, limit: number, pngDir: string, pngWanted: number) {
  const atlas = await readAtlas(atlasDir);
  const grid = { micronsPerPixel: model.info.micronsPerPixel ?? 1, size: model.info.image.size };
  let tiles = 0;
  let pngs = 0;
  const started = performance.now();
  let cutSeconds = 0;
  for (const entry of atlas.manifest.sections.slice(0, limit)) {
    const { image: path, annotations } = await checkSectionFiles(atlas, entry);
    const t0 = performance.now();
    const image = await openSection(path);
    const plan = await planTiles(image, annotations, {
      atlas: atlas.manifest.name,
      section: entry.id,
      micronsPerPixel: entry.micronsPerPixel,
      grid,
    });
    const kept = plan.tiles.filter((t) => t.region !== null);
    const pending: { name: string; image: Parameters<typeof toPng>[0] }[] = [];
    for await (const batch of cutTiles(image, kept, { size: grid.size, resize: model.info.image.resize })) {
      tiles += batch.length;
      for (const c of batch)
        if (pngs + pending.length < pngWanted) pending.push({ name: `${c.tile.id}.png`, image: c.image });
    }
    cutSeconds += (performance.now() - t0) / 1000;
    // PNG writing for the Python baseline is not timed.
    for (const p of pending) await writeFile(join(pngDir, p.name), await toPng(p.image));
    pngs += pending.length;
  }
  return {
    tiles,
    seconds: round(cutSeconds),
    tilesPerSecond: round(tiles / cutSeconds),
    wallSeconds: round((performance.now() - started) / 1000),
    pngs,
  };
}

async function endToEnd(atlasDir: string, modelDir: string, limit: number) {
  const dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-bench-ingest-'));
  try {
    let atlasPath = atlasDir;
    let atlasRoots: string[] | undefined;
    if (limit < Infinity) {
      // A manifest with the first N sections, reaching the atlas's files through a link (atlas paths stay relative;
      // the atlas folder is the root the link may lead into).
      const atlas = await readAtlas(atlasDir);
      const subset = join(dataDir, 'subset');
      await mkdir(subset, { recursive: true });
      await symlink(atlas.root, join(subset, 'files'));
      const inFiles = (path: string) => join('files', path);
      const sections = atlas.manifest.sections
        .slice(0, limit)
        .map((s) => ({ ...s, image: inFiles(s.image), annotations: s.annotations && inFiles(s.annotations) }));
      atlasPath = join(subset, 'atlas.json');
      atlasRoots = [atlas.root];
      // Written like every atlas.json (the ontology is the atlas's own, reached through the link).
      await writeAtlasFiles(subset, {
        manifest: { ...atlas.manifest, ontology: inFiles(atlas.manifest.ontology), sections },
      });
    }
    const catalog = await openCatalog({ dataDir });
    const vectors = await openVectorStore({ dataDir });
    // As `cytoclip ingest` runs: the image graph in a worker thread per core, one intra-op thread each (the PyTorch
    // loop gets a thread per core too).
    const model = await CytoclipModel.open(modelDir, { intraOpNumThreads: 1, imageWorkers: availableParallelism() });
    // The workers' sessions are loaded before the clock starts, as the PyTorch loop loads its weights first.
    await model.warmUp();
    const report = await ingestAtlas({ atlas: atlasPath, atlasRoots, catalog, vectors, models: [model], dataDir });
    await model.close();
    await vectors.close();
    await catalog.close();
    return {
      tiles: report.processed.tiles,
      sections: report.processed.done,
      failed: report.processed.failed,
      seconds: round(report.seconds),
      tilesPerSecond: round(report.tilesPerSecond),
      indexed: report.indexed,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * The image graph alone, as the end-to-end run drives it (a worker per core, batches of 32, three in flight), over
 * the same pre-cut tiles the Python loop reads, decoded before the clock starts: the ceiling the pipeline works under.
 */
async function inferenceOnly(modelDir: string, pngDir: string) {
  const files = (await readdir(pngDir)).filter((f) => f.endsWith('.png')).sort();
  const tiles: RawImage[] = [];
  for (const f of files) tiles.push(await decodeImage(join(pngDir, f)));
  const model = await CytoclipModel.open(modelDir, { intraOpNumThreads: 1, imageWorkers: availableParallelism() });
  try {
    await model.warmUp();
    const started = performance.now();
    const inflight: Promise<unknown>[] = [];
    for (let i = 0; i < tiles.length; i += 32) {
      inflight.push(model.embedRgb(tiles.slice(i, i + 32)));
      if (inflight.length >= 3) await inflight.shift();
    }
    await Promise.all(inflight);
    const seconds = (performance.now() - started) / 1000;
    return { tiles: tiles.length, seconds: round(seconds), tilesPerSecond: round(tiles.length / seconds) };
  } finally {
    await model.close();
  }
}

function python(modelDir: string, pngDir: string, pooledOnly = false): Record<string, unknown> {
  const script = join(root, 'services/ingest/src/bench/torch_baseline.py');
  const args = [script, modelDir, pngDir, join(root, 'services/trainer'), ...(pooledOnly ? ['--pooled-only'] : [])];
  const out = execFileSync('/usr/bin/python3', args, {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '2' },
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
}

const round = (x: number) => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  const modelDir = resolve(values.model ?? defaultModel());
  const atlasDir = values.atlas ? resolve(values.atlas) : await demoAtlas();
  const limit = values.sections ? Number(values.sections) : Infinity;
  const model = await CytoclipModel.open(modelDir, { intraOpNumThreads: 1 });
  const pngDir = await mkdtemp(join(tmpdir(), 'cytoclip-bench-png-'));
  try {
    const result: Record<string, unknown> = {
      benchmark: 'ingest',
      atlas: atlasDir,
      model: model.info.id,
      grid: { micronsPerPixel: model.info.micronsPerPixel ?? 1, size: model.info.image.size },
      machine: { cpus: cpus().length, loadAverageAtStart: round(loadavg()[0]!) },
    };
    // Each part goes to stderr as soon as it is measured, so a later failure loses nothing.
    const partial = (key: string, value: unknown) => {
      result[key] = value;
      process.stderr.write(`${key}: ${JSON.stringify(value)}\n`);
    };
    partial('tilingOnly', await tilingOnly(atlasDir, model, limit, pngDir, Number(values['python-tiles'])));
    await model.close();
    // --repeat N: the three measurements taken N times, interleaved, so a drift of the machine hits both sides; the
    // ratios are then medians of the per-round ratios.
    const rounds: Record<string, number>[] = [];
    const repeat = Math.max(1, Number(values.repeat) || 1);
    for (let r = 0; r < repeat; r++) {
      const py = python(modelDir, pngDir);
      partial('pythonTorchLoop', py);
      // For comparison only: the same loop calling the network as our graph runs it (pooled row alone in the last block).
      const pooled = values['python-pooled-only'] ? python(modelDir, pngDir, true) : null;
      if (pooled) partial('pythonTorchLoopPooledOnly', pooled);
      partial('inferenceOnly', await inferenceOnly(modelDir, pngDir));
      partial('endToEnd', await endToEnd(atlasDir, modelDir, limit));
      const ours = (result.endToEnd as { tilesPerSecond: number }).tilesPerSecond;
      const graph = (result.inferenceOnly as { tilesPerSecond: number }).tilesPerSecond;
      const torch = py.tilesPerSecond as number;
      rounds.push({
        python: torch,
        inferenceOnly: graph,
        endToEnd: ours,
        ratio: round(ours / torch),
        ...(pooled ? { pythonPooledOnly: pooled.tilesPerSecond as number } : {}),
      });
    }
    if (repeat > 1) result.rounds = rounds;
    const median = (key: string) => {
      const sorted = rounds.map((r) => r[key]!).sort((a, b) => a - b);
      return sorted.length % 2
        ? sorted[sorted.length >> 1]!
        : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
    };
    result.ratioEndToEndVsPython = round(median('ratio'));
    if (values['python-pooled-only'])
      result.ratioEndToEndVsPythonPooledOnly = round(median('endToEnd') / median('pythonPooledOnly'));
    // How much of the graph's own speed the whole pipeline keeps, and the ratio it would reach if it kept all of it.
    result.endToEndShareOfInference = round(median('endToEnd') / median('inferenceOnly'));
    result.ratioInferenceOnlyVsPython = round(median('inferenceOnly') / median('python'));
    result.note =
      'endToEnd covers section TIFF to vectors (copy, tile, cut, embed, catalog commit, indexing into the vector store); the Python loop only decodes pre-cut PNGs and embeds them';
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await rm(pngDir, { recursive: true, force: true });
  }
}

await main();
