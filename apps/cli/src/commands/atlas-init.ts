import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CytoclipError } from '@cytoclip/domain';
import { buildAtlasManifest } from '../atlas-init.js';
import { output, stringOption, type Command } from '../command.js';

export const atlasInitCommand: Command = {
  path: 'atlas init',
  summary: 'write atlas.json for a folder of section images, QuPath GeoJSON and a CSV (image, specimen, week, plane)',
  usage: '<folder> [options]',
  details:
    'CSV columns: image, specimen, plane, week (or pcw: GW = pcw + 2), and optionally section, index, stain, micronsPerPixel, annotations.\n' +
    'Annotations default to <image stem>.geojson. Without an ontology.json, one is written from the annotation class names.',
  options: {
    name: { type: 'string', value: 'NAME', description: "the atlas's name (default: the folder's name)" },
    csv: {
      type: 'string',
      value: 'FILE',
      description: 'one row per section image (default: the one CSV in the folder)',
    },
    mpp: { type: 'string', value: 'UM', description: 'microns per pixel where the CSV gives none' },
    force: { type: 'boolean', default: false, description: 'replace an existing atlas.json' },
  },
  async run(args) {
    const folder = args.positionals[0];
    if (!folder) throw new CytoclipError('invalid_argument', 'give the folder: cytoclip atlas init <folder>');
    const dir = resolve(folder);
    const target = join(dir, 'atlas.json');
    if (existsSync(target) && args.values.force !== true)
      throw new CytoclipError('output_exists', `${target} exists; pass --force to replace it`);
    const mpp = stringOption(args, 'mpp');
    const csv = stringOption(args, 'csv');
    const name = stringOption(args, 'name');
    const { manifest, ontology, warnings } = buildAtlasManifest({
      folder: dir,
      ...(csv ? { csv: resolve(csv) } : {}),
      ...(name ? { name } : {}),
      ...(mpp !== undefined ? { micronsPerPixel: Number(mpp) } : {}),
    });
    writeFileSync(target, `${JSON.stringify(manifest, null, 2)}\n`);
    if (ontology) writeFileSync(join(dir, 'ontology.json'), `${JSON.stringify(ontology, null, 2)}\n`);
    for (const w of warnings) console.error(`warning: ${w}`);
    output(
      args,
      {
        atlas: target,
        name: manifest.name,
        specimens: manifest.specimens.length,
        sections: manifest.sections.length,
        ontologyWritten: Boolean(ontology),
        warnings,
      },
      () =>
        `${target}: ${manifest.specimens.length} specimens, ${manifest.sections.length} sections${ontology ? `; ontology.json with ${ontology.regions.length} regions from the annotations` : ''}`,
    );
  },
};
