import { resolve } from 'node:path';
import { initAtlas } from '@cytoclip/atlas';
import { CytoclipError } from '@cytoclip/domain';
import { output, stringOption, type Command } from '../command.js';

// The folder is read and atlas.json written by @cytoclip/atlas (initAtlas, the one atlas-folder writer); here the
// arguments and what is printed.
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
    const mpp = stringOption(args, 'mpp');
    const csv = stringOption(args, 'csv');
    const name = stringOption(args, 'name');
    const { atlas, manifest, ontology, warnings } = await initAtlas({
      folder,
      replace: args.values.force === true,
      ...(csv ? { csv: resolve(csv) } : {}),
      ...(name ? { name } : {}),
      ...(mpp !== undefined ? { micronsPerPixel: Number(mpp) } : {}),
    });
    for (const w of warnings) console.error(`warning: ${w}`);
    output(
      args,
      {
        atlas,
        name: manifest.name,
        specimens: manifest.specimens.length,
        sections: manifest.sections.length,
        ontologyWritten: Boolean(ontology),
        warnings,
      },
      () =>
        `${atlas}: ${manifest.specimens.length} specimens, ${manifest.sections.length} sections${ontology ? `; ontology.json with ${ontology.regions.length} regions from the annotations` : ''}`,
    );
  },
};
