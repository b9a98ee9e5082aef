import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAtlasManifest, parseOntology, type AtlasManifest, type Ontology } from '@cytoclip/domain';
import { writeAtlasFiles } from './atlas-files.js';

const manifest = (): AtlasManifest => ({
  format: 'cytoclip-atlas/1',
  name: 'lab',
  ontology: 'ontology.json',
  specimens: [{ id: 'S01', gestationalWeek: 21 }],
  sections: [
    {
      id: 'S01-cor-0001',
      specimen: 'S01',
      plane: 'coronal',
      index: 1,
      stain: 'nissl',
      image: 'a.png',
      micronsPerPixel: 0.5,
      annotations: 'a.geojson',
    },
  ],
});
const ontology = (): Ontology => ({
  format: 'cytoclip-ontology/1',
  regions: [{ id: 1, acronym: 'CP', name: 'cortical plate', parent: null, description: '', color: '#ff0000' }],
});

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cytoclip-atlas-files-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (name: string) => readFileSync(join(dir, name), 'utf8');

describe('writeAtlasFiles', () => {
  it('writes atlas.json and the ontology it names, as the readers read them back, and nothing else', async () => {
    const written = await writeAtlasFiles(dir, { manifest: manifest(), ontology: ontology() });
    expect(written).toEqual({ atlas: join(dir, 'atlas.json'), ontology: join(dir, 'ontology.json') });
    expect(parseAtlasManifest(JSON.parse(read('atlas.json')), 'atlas.json')).toEqual(manifest());
    expect(parseOntology(JSON.parse(read('ontology.json')))).toEqual(ontology());
    expect(read('atlas.json')).toBe(`${JSON.stringify(manifest(), null, 2)}\n`);
    expect(readdirSync(dir).sort()).toEqual(['atlas.json', 'ontology.json']);
  });

  it('leaves an existing ontology alone when given none', async () => {
    await writeAtlasFiles(dir, { manifest: manifest() });
    expect(readdirSync(dir)).toEqual(['atlas.json']);
  });

  it('refuses what the readers refuse, naming it, and writes nothing', async () => {
    const unsafe = { ...manifest(), name: '../lab' };
    await expect(writeAtlasFiles(dir, { manifest: unsafe, ontology: ontology() })).rejects.toMatchObject({
      code: 'atlas_invalid',
      message: expect.stringContaining('"name" must be letters, digits'),
    });
    const empty = { ...ontology(), regions: [] };
    await expect(writeAtlasFiles(dir, { manifest: manifest(), ontology: empty })).rejects.toMatchObject({
      code: 'ontology_invalid',
    });
    const outside = { ...manifest(), ontology: '../ontology.json' };
    await expect(writeAtlasFiles(dir, { manifest: outside, ontology: ontology() })).rejects.toMatchObject({
      code: 'atlas_invalid',
      message: 'atlas.json: "ontology" must name a file inside the atlas folder',
    });
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, '..', 'ontology.json'))).toBe(false);
  });
});
