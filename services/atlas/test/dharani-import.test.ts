import { lstat, mkdtemp, readFile, readlink, realpath, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInAtlas } from '@cytoclip/domain';
import { parseAnnotations } from '@cytoclip/slides';
import { importDharani, type ImportedAtlas } from '@cytoclip/atlas';
import { dharaniBucket, FIXTURE } from './dharani-fixture.js';

type Rings = number[][][];
const ringArea = (ring: number[][]) =>
  Math.abs(ring.slice(1).reduce((s, p, i) => s + ring[i]![0]! * p[1]! - p[0]! * ring[i]![1]!, 0)) / 2;
const area = (polygons: Rings[]) =>
  polygons.reduce((s, [outer, ...holes]) => s + ringArea(outer!) - holes.reduce((h, r) => h + ringArea(r), 0), 0);

async function json(path: string) {
  return JSON.parse(await readFile(path, 'utf8'));
}

describe('importDharani on a bucket copy in the published layout', () => {
  let base: string;
  let bucket: string;
  let atlas: ImportedAtlas;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'cytoclip-dharani-import-'));
    bucket = await dharaniBucket(base);
    [atlas] = await importDharani(bucket, { specimens: [1], roots: [base] });
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('writes dharani-specimen-1 beside the download: specimen, sections, listing metadata', async () => {
    expect(atlas.dir).toBe(join(base, 'dharani-specimen-1'));
    const manifest = await json(join(atlas.dir, 'atlas.json'));
    expect(manifest).toMatchObject({
      format: 'cytoclip-atlas/1',
      name: 'dharani-specimen-1',
      ontology: 'ontology.json',
    });
    expect(manifest.specimens).toEqual([
      expect.objectContaining({ id: 'Specimen_1', gestationalWeek: 16, ageSource: 'pcw 14' }),
    ]);
    expect(manifest.sections.map((s: { id: string }) => s.id)).toEqual([
      'Specimen_1_10',
      'Specimen_1_13',
      'Specimen_1_16',
    ]);
    expect(manifest.sections[0]).toMatchObject({
      specimen: 'Specimen_1',
      plane: 'sagittal',
      index: 10,
      stain: 'nissl',
      image: 'sections/Specimen_1_10.tif',
      annotations: 'sections/Specimen_1_10.geojson',
      micronsPerPixel: 1,
      source: {
        imageUrl: 'https://dharani-fetal-brain-atlas.s3.us-west-2.amazonaws.com/data2d/specimen_1/Specimen_1_10.tif',
        viewerUrl: expect.stringContaining('section=10'),
        width: FIXTURE.width,
        height: FIXTURE.height,
        micronsPerPixelFrom: 'listing',
      },
    });
  });

  it('imports the unannotated 4 µm/px section without annotations, its resolution from the listing', async () => {
    const manifest = await json(join(atlas.dir, 'atlas.json'));
    const s13 = manifest.sections[1];
    expect(s13).toMatchObject({
      id: 'Specimen_1_13',
      index: 13,
      image: 'sections/Specimen_1_13.tif',
      micronsPerPixel: 4,
    });
    expect(s13).not.toHaveProperty('annotations');
    expect(s13.source).toMatchObject({ annotationsUrl: null, micronsPerPixelFrom: 'listing', width: 192, height: 128 });
    expect((await lstat(join(atlas.dir, 'sections/Specimen_1_13.tif'))).isSymbolicLink()).toBe(true);
  });

  it('links the downloaded images (never copies) and they pass the atlas confinement', async () => {
    const link = join(atlas.dir, 'sections/Specimen_1_10.tif');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    const source = await realpath(join(bucket, 'data2d/specimen_1/Specimen_1_10.tif'));
    expect(await readlink(link)).toBe(source);
    expect(await resolveInAtlas(atlas.dir, 'sections/Specimen_1_10.tif', [base])).toBe(source);
    expect(atlas.report.warnings).toEqual([]);
  });

  it('converts the GeoJSON: positive y, bow-tie repaired into both lobes, one feature per region', async () => {
    const geo = await json(join(atlas.dir, 'sections/Specimen_1_10.geojson'));
    const byName = Object.fromEntries(
      geo.features.map((f: { properties: { classification: { name: string } } }) => [
        f.properties.classification.name,
        f,
      ]),
    );
    // Regions keyed in DHARANI's namespace: never the platform's (or another atlas's) acronyms.
    expect(Object.keys(byName).sort()).toEqual(['dharani:CP-FCTx', 'dharani:SP-FCTx']);
    const ys = geo.features.flatMap((f: { geometry: { coordinates: Rings[] } }) =>
      f.geometry.coordinates.flat(2).map((p) => p[1]!),
    );
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(0);
    const [x0, y0, x1, y1] = FIXTURE.tissue;
    const mid = FIXTURE.split;
    // Two features of one id: one region, merged into a single rectangle.
    expect(byName['dharani:CP-FCTx'].geometry.coordinates).toHaveLength(1);
    expect(area(byName['dharani:CP-FCTx'].geometry.coordinates)).toBeCloseTo((x1 - x0) * (mid - y0));
    // The self-intersecting ring encloses two triangles meeting at the crossing; its drawn area was zero.
    expect(byName['dharani:SP-FCTx'].geometry.coordinates).toHaveLength(2);
    expect(area(byName['dharani:SP-FCTx'].geometry.coordinates)).toBeCloseTo(((x1 - x0) * (y1 - mid)) / 2);
    expect(byName['dharani:CP-FCTx'].properties).toMatchObject({
      region: 'dharani:CP-FCTx',
      classification: { color: [255, 0, 0] },
    });
    const ontology = await json(join(atlas.dir, 'ontology.json'));
    expect(parseAnnotations(geo, ontology).features).toHaveLength(2);
  });

  it('converts the ontology envelope: parents by acronym, #rrggbb colours, unique acronyms', async () => {
    const ontology = await json(join(atlas.dir, 'ontology.json'));
    expect(ontology.format).toBe('cytoclip-ontology/1');
    const of = (acronym: string) => ontology.regions.find((r: { acronym: string }) => r.acronym === acronym);
    expect(of('dharani:Br')).toMatchObject({ id: 100, parent: null, color: '#aaaaaa', name: 'brain' });
    expect(of('dharani:CP-FCTx')).toMatchObject({ id: 301, parent: 'dharani:CTX', color: '#ff0000' });
    expect(of('dharani:VZ-FCTx').color).toBe('#0000ff');
    expect(of('dharani:TH_401')).toMatchObject({ id: 401, parent: 'dharani:Br', name: 'thalamus (second entry)' });
    expect(atlas.report.ontology.renamed).toEqual([{ id: '401', from: 'TH', to: 'TH_401' }]);
  });

  it('maps DHARANI regions onto the platform tree by the table in the repo; unmapped ones keep their own names', async () => {
    const ontology = await json(join(atlas.dir, 'ontology.json'));
    const of = (acronym: string) => ontology.regions.find((r: { acronym: string }) => r.acronym === acronym);
    expect(of('dharani:CP-FCTx').sameAs).toEqual(['CP']);
    expect(of('dharani:SP-FCTx').sameAs).toEqual(['SP']);
    expect(of('dharani:VZ-FCTx').sameAs).toEqual(['VZ']);
    expect(of('dharani:TH')).not.toHaveProperty('sameAs');
    // The mapping's targets come with their ancestors, as the generator writes them (one tree in the catalog).
    const platform = ontology.regions.filter((r: { acronym: string }) => !r.acronym.startsWith('dharani:'));
    expect(platform.map((r: { acronym: string }) => r.acronym).sort()).toEqual(
      ['Br', 'CP', 'CWall', 'Pal', 'SP', 'Tel', 'VZ'].sort(),
    );
    expect(of('CP')).toMatchObject({ name: 'cortical plate', parent: 'CWall' });
    expect(atlas.report.ontology.platform).toEqual({
      table: 'services/domain/ontologies/dharani-to-cytoclip.json',
      mapped: 3,
      unmapped: 4,
      platformRegions: 7,
    });
  });

  it('reports sections, regions and every skipped feature with its reason', async () => {
    const report = await json(join(atlas.dir, 'import-report.json'));
    expect(report).toEqual(JSON.parse(JSON.stringify(atlas.report)));
    expect(report.sections).toEqual({
      found: 3,
      annotated: 2,
      imported: 3,
      listedNotDownloaded: 1,
      notImported: [],
    });
    expect(report.features).toEqual({
      read: 6,
      kept: 4,
      repaired: 1,
      holesDropped: 0,
      skipped: { 'non-polygon': 1, 'short-ring': 1 },
      skippedTypes: { MultiPolygon: 1 },
    });
    expect(report.regions).toMatchObject({
      inOntology: 7,
      mapped: ['dharani:CP-FCTx', 'dharani:SP-FCTx'],
      unmapped: [],
    });
    expect(report.ignoredFiles).toEqual({ count: 1, examples: ['data2d/specimen_1/Specimen_1_10_geo.tif'] });
    expect(report.failed).toEqual([]);
    expect(atlas.summary).toContain('sections: 3 found, 2 annotated, 3 imported');
    expect(atlas.summary).toContain('skipped: 1 non-polygon, 1 short-ring (non-polygon: 1 MultiPolygon)');
  });

  it('refuses an existing atlas folder unless replace, and replaces it whole', async () => {
    await expect(importDharani(bucket, { specimens: [1], roots: [base] })).rejects.toMatchObject({
      code: 'output_exists',
    });
    const [again] = await importDharani(bucket, { specimens: [1], roots: [base], replace: true, weeks: { 1: 15.5 } });
    expect((await json(join(again!.dir, 'atlas.json'))).specimens[0]).toMatchObject({
      gestationalWeek: 15.5,
      ageSource: 'pcw 14 (DHARANI); 15.5 GW given on import',
    });
  });

  it('puts several specimens in one atlas under out; no listing means the 1 µm/px rule', async () => {
    const out = join(base, 'two');
    const [both] = await importDharani(bucket, { specimens: [4, 1], out, roots: [base] });
    expect(both!.name).toBe('dharani-specimens-4-1');
    const manifest = await json(join(out, 'atlas.json'));
    expect(manifest.specimens.map((s: { id: string; gestationalWeek: number }) => [s.id, s.gestationalWeek])).toEqual([
      ['Specimen_4', 24],
      ['Specimen_1', 16],
    ]);
    const s40 = manifest.sections.find((s: { id: string }) => s.id === 'Specimen_4_40');
    expect(s40).toMatchObject({ plane: 'coronal', micronsPerPixel: 1, source: { viewerUrl: null } });
    expect(s40.source.micronsPerPixelFrom).toBe('annotated sections are 1 µm/px');
    expect(both!.report.specimens.map((s) => s.listing)).toEqual([null, 'directory-listings/Dharani_Specimen_1.csv']);
  });

  it('warns when the download lies outside the atlas roots (ingest would refuse the links)', async () => {
    const [outside] = await importDharani(bucket, {
      specimens: [4],
      out: join(base, 'outside'),
      roots: [join(base, 'x')],
    });
    expect(outside!.report.warnings.join('\n')).toMatch(/outside the atlas roots .*CYTOCLIP_ATLAS_ROOTS/);
  });

  it('refuses an unknown specimen, a missing one, and an output that would hold the download', async () => {
    await expect(importDharani(bucket, { specimens: [6] })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(importDharani(bucket, { specimens: [2] })).rejects.toThrow(/specimen_2 not found/);
    await expect(importDharani(bucket, { specimens: [1], out: base, replace: true })).rejects.toThrow(
      /would contain the download folder/,
    );
    expect(existsSync(join(bucket, 'data2d/specimen_1/Specimen_1_10.tif'))).toBe(true);
  });
});
