import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestAtlas } from '@cytoclip/ingest';
import { serve } from '@cytoclip/query';
import { REPO_ROOT, tinyAtlas } from '../../../test/support/index.js';
import { openPlatform, settingsFromEnv, type Platform } from '../src/platform.js';
import { run } from './run.js';

// `cytoclip annotate` against a real server: the tiny atlas ingested with the fixture ONNX model; the file it writes
// is the server's GeoJSON, and every stored tile of the section is counted in one predicted region.
let dataDir: string;
let platform: Platform;
let server: { url: string; close(): Promise<void> };
let section: string;
let sectionTiles: number;
const ATLAS = 'tiny-fetal-nissl';

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-cli-annotate-'));
  const settings = settingsFromEnv({
    DATA_DIR: dataDir,
    CYTOCLIP_MODELS: join(REPO_ROOT, 'services/model/test/fixture-model'),
    CYTOCLIP_IMAGE_WORKERS: '1',
  });
  platform = await openPlatform(settings);
  const { catalog, vectors, models } = platform;
  const report = await ingestAtlas({ atlas: await tinyAtlas(), catalog, vectors, models, dataDir });
  expect(report.status).toBe('complete');
  platform.api.service.invalidate();
  server = await serve(platform.api.app, { port: 0, host: '127.0.0.1' });
  const [first] = await catalog.listSections(ATLAS);
  section = first!.id;
  sectionTiles = (await catalog.listTiles(ATLAS, section)).length;
}, 600_000);

afterAll(async () => {
  await server?.close();
  await platform?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

type GeoJson = { type: string; features: { properties: { region: string; tiles: number } }[] };

describe('cytoclip annotate', () => {
  it('writes the GeoJSON of a section to --out and lists the predicted regions', async () => {
    const out = join(dataDir, 'section.geojson');
    const r = await run(['annotate', section, '--out', out, '--api', server.url]);
    expect(r.code, r.err).toBe(0);
    const written = JSON.parse(await readFile(out, 'utf8')) as GeoJson;
    const served = await (await fetch(`${server.url}/v1/sections/${section}/annotation`)).json();
    expect(written).toEqual(served);
    expect(written.type).toBe('FeatureCollection');
    expect(written.features.reduce((n, f) => n + f.properties.tiles, 0)).toBe(sectionTiles);
    expect(r.out).toContain(`${section}: ${sectionTiles} tiles in ${written.features.length} predicted regions`);
    for (const f of written.features) expect(r.out).toContain(f.properties.region);
  });

  it('prints the GeoJSON on stdout without --out, and a summary as JSON with --json', async () => {
    const r = await run(['annotate', section, '--api', server.url]);
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as GeoJson).type).toBe('FeatureCollection');
    const out = join(dataDir, 'again.geojson');
    const summary = await run(['annotate', section, '--out', out, '--api', server.url, '--json']);
    expect(JSON.parse(summary.out)).toMatchObject({ section, out, tiles: sectionTiles });
  });

  it('exits 2 for an unknown section or a missing section id', async () => {
    const unknown = await run(['annotate', 'no-such-section', '--api', server.url]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('404');
    expect((await run(['annotate', '--api', server.url])).code).toBe(2);
  });
});
