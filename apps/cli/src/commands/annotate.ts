import { writeFile } from 'node:fs/promises';
import type { AnnotationGeoJson } from '@cytoclip/query/api-types';
import { openApi } from '../api.js';
import { output, stringOption, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { API_OPTION, MODEL_OPTION } from './search-options.js';

export const annotateCommand: Command = {
  path: 'annotate',
  summary: "predict a section's regions (kNN over other sections' annotated tiles and zero-shot) as QuPath GeoJSON",
  usage: '<section-id> [--out file.geojson] [options]',
  options: {
    out: {
      type: 'string',
      value: 'FILE',
      description: 'write the GeoJSON here (default: print it on stdout)',
    },
    ...MODEL_OPTION,
    ...API_OPTION,
  },
  details:
    'One merged (Multi)Polygon per predicted region in level-0 pixels, classified by acronym in the ontology colour ' +
    "(QuPath: File › Import objects). The section's own tiles never vote, so an annotated section is scored as an " +
    'unannotated one would be.',
  async run(args) {
    const [section, ...extra] = args.positionals;
    if (!section || extra.length) throw new UsageError('give one section id: cytoclip annotate <section-id>');
    const model = stringOption(args, 'model');
    const path = `/v1/sections/${encodeURIComponent(section)}/annotation${model ? `?model=${encodeURIComponent(model)}` : ''}`;
    const api = await openApi(args);
    let geojson: AnnotationGeoJson;
    try {
      geojson = await api.get<AnnotationGeoJson>(path);
    } finally {
      await api.close();
    }
    const out = stringOption(args, 'out');
    if (out === undefined) {
      process.stdout.write(`${JSON.stringify(geojson)}\n`);
      return;
    }
    await writeFile(out, `${JSON.stringify(geojson)}\n`);
    const regions = geojson.features.map((f) => f.properties);
    const tiles = regions.reduce((n, r) => n + r.tiles, 0);
    output(args, { section, out, tiles, regions }, () =>
      [
        `${section}: ${tiles} tiles in ${regions.length} predicted regions → ${out}`,
        ...regions.map(
          (r) =>
            `  ${r.region.padEnd(8)} ${String(r.tiles).padStart(5)} tiles  confidence ${r.confidence.toFixed(2)}  ${r.name}`,
        ),
      ].join('\n'),
    );
  },
};
