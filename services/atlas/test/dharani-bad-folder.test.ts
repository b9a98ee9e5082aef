import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDharani } from '@cytoclip/atlas';
import { dharaniBucket, pyramidTiff, wholeCp, writeJson, FIXTURE } from './dharani-fixture.js';

describe('importDharani on a bad folder: a clear error naming the file, the rest imports', () => {
  let base: string;
  let good: string;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'cytoclip-dharani-bad-'));
    good = await dharaniBucket(base);
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  async function copy(name: string): Promise<string> {
    const dir = join(base, name, 'bucket');
    await cp(good, dir, { recursive: true });
    return dir;
  }

  it('refuses a folder without the ontology, naming the file, and writes nothing', async () => {
    const bucket = await copy('no-ontology');
    await rm(join(bucket, 'ontology/ontology.json'));
    const error = await importDharani(bucket, { specimens: [1] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ontology_missing', status: 404 });
    expect((error as Error).message).toContain(join(bucket, 'ontology/ontology.json'));
    expect((error as Error).message).toContain('aws s3 cp --no-sign-request');
    expect(await readdir(join(base, 'no-ontology'))).toEqual(['bucket']);
  });

  it('refuses an ontology that is not JSON or not the DHARANI envelope, naming the file', async () => {
    const bucket = await copy('bad-ontology');
    await writeFile(join(bucket, 'ontology/ontology.json'), '{"msg": [');
    await expect(importDharani(bucket, { specimens: [1] })).rejects.toThrow(/ontology\/ontology\.json: not valid JSON/);
    await writeJson(join(bucket, 'ontology/ontology.json'), { regions: [] });
    await expect(importDharani(bucket, { specimens: [1] })).rejects.toMatchObject({ code: 'ontology_invalid' });
  });

  it('lists an unknown id, an unparsable GeoJSON and an undecodable image; imports the other sections', async () => {
    const bucket = await copy('broken-sections');
    const s1 = join(bucket, 'data2d/specimen_1');
    const withUnknown = wholeCp(301);
    withUnknown.features.push({ ...wholeCp(9999).features[0]!, properties: { data: { id: 9999, name: '?' } } });
    await writeJson(join(s1, 'Specimen_1_16.json'), withUnknown);
    await pyramidTiff(join(s1, 'Specimen_1_19.tif'), FIXTURE.width, FIXTURE.height, FIXTURE.tissue);
    await writeFile(join(s1, 'Specimen_1_19.json'), '{"type": "FeatureCollection", "features": [');
    await writeFile(join(s1, 'Specimen_1_22.tif'), 'this is not a TIFF');
    await writeJson(join(s1, 'Specimen_1_22.json'), wholeCp(301));
    await writeJson(join(s1, 'Specimen_1_25.json'), { type: 'Feature' });
    await cp(join(s1, 'Specimen_1_10.tif'), join(s1, 'Specimen_1_25.tif'));

    const [atlas] = await importDharani(bucket, { specimens: [1], roots: [base] });
    const manifest = JSON.parse(await readFile(join(atlas!.dir, 'atlas.json'), 'utf8'));
    expect(manifest.sections.map((s: { id: string }) => s.id)).toEqual([
      'Specimen_1_10',
      'Specimen_1_13',
      'Specimen_1_16',
    ]);
    const failed = atlas!.report.failed.map(({ file, code, consequence }) => ({ file, code, consequence }));
    expect(failed).toEqual([
      { file: 'data2d/specimen_1/Specimen_1_16.json', code: 'unknown_region', consequence: 'features left out' },
      { file: 'data2d/specimen_1/Specimen_1_19.json', code: 'invalid_json', consequence: 'section not imported' },
      { file: 'data2d/specimen_1/Specimen_1_22.tif', code: 'invalid_image', consequence: 'section not imported' },
      {
        file: 'data2d/specimen_1/Specimen_1_25.json',
        code: 'invalid_annotations',
        consequence: 'section not imported',
      },
    ]);
    for (const f of atlas!.report.failed) expect(f.message.startsWith(f.file)).toBe(true);
    expect(atlas!.report.failed[0]!.message).toBe(
      'data2d/specimen_1/Specimen_1_16.json: region id 9999 (1 feature) not in ontology/ontology.json',
    );
    expect(atlas!.report.regions.unmapped).toEqual([
      { id: '9999', features: 1, files: ['data2d/specimen_1/Specimen_1_16.json'] },
    ]);
    expect(atlas!.summary).toMatch(/failed \(4\):\n {4}data2d\/specimen_1\/Specimen_1_16\.json: region id 9999/);
    expect(atlas!.summary).toContain('1 unmapped (ids 9999)');
    expect(atlas!.summary).toContain('3 imported; not imported: 3 failed');
    // Nothing of a failed section is left in the atlas folder.
    expect((await readdir(join(atlas!.dir, 'sections'))).sort()).toEqual([
      'Specimen_1_10.geojson',
      'Specimen_1_10.tif',
      'Specimen_1_13.tif',
      'Specimen_1_16.geojson',
      'Specimen_1_16.tif',
    ]);
  });
});
