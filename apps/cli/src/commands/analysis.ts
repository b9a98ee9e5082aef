import { openApi, type ApiAnswers, type ApiPath } from '../api.js';
import { output, stringOption, type Command, type CommandArgs } from '../command.js';
import { UsageError } from '../errors.js';
import { readImageFile } from './search.js';
import {
  API_OPTION,
  defined,
  FILTER_OPTIONS,
  filterFrom,
  integerOption,
  MODEL_OPTION,
  TARGET_OPTION,
  targetOption,
} from './search-options.js';

/** One POST to the API; the answer is the route's declared type (ApiAnswers). */
async function ask<P extends ApiPath>(args: CommandArgs, path: P, body: unknown): Promise<ApiAnswers[P]> {
  const api = await openApi(args);
  try {
    return await api.post(path, body);
  } finally {
    await api.close();
  }
}

export const classifyCommand: Command = {
  path: 'classify',
  summary: "name an image's region: zero-shot over the model's labels and a vote of the nearest stored items",
  usage: '<image-file> [options]',
  options: {
    'top-k': { type: 'string', value: 'N', description: 'regions to list (default 5)' },
    neighbours: { type: 'string', value: 'N', description: 'stored items that vote (default 25)' },
    ...TARGET_OPTION,
    ...MODEL_OPTION,
    ...FILTER_OPTIONS,
    ...API_OPTION,
  },
  details: 'The filter options restrict which stored items vote; zero-shot is over every label of the model.',
  async run(args) {
    const [file, ...extra] = args.positionals;
    if (!file || extra.length) throw new UsageError('give one image file: cytoclip classify <image-file>');
    const body = defined({
      image: (await readImageFile(file)).toString('base64'),
      target: targetOption(args),
      topK: integerOption(args, 'top-k', 1),
      neighbours: integerOption(args, 'neighbours', 1),
      model: stringOption(args, 'model'),
      filter: filterFrom(args),
    });
    const a = await ask(args, '/v1/classify', body);
    output(args, a, () =>
      [
        `model ${a.model}`,
        'zero-shot:',
        ...a.zeroShot.map((z) => `  ${z.score.toFixed(3)}  ${z.region.acronym.padEnd(8)} ${z.region.name}`),
        `vote of ${a.neighbours} nearest:`,
        ...a.vote.map((v) => `  ${v.share.toFixed(3)}  ${v.region.acronym.padEnd(8)} ${v.region.name} (${v.count})`),
      ].join('\n'),
    );
  },
};

export const heatmapCommand: Command = {
  path: 'heatmap',
  summary: 'score every stored tile of a section against a text (where on the section a description matches)',
  usage: '<section-id> "<text>" [options]',
  options: {
    top: { type: 'string', value: 'N', description: 'tiles to list in the text output (default 10; --json lists all)' },
    ...MODEL_OPTION,
    ...API_OPTION,
  },
  async run(args) {
    const [section, ...words] = args.positionals;
    const text = words.join(' ').trim();
    if (!section || !text) throw new UsageError('give a section id and a text: cytoclip heatmap <section-id> "<text>"');
    const top = integerOption(args, 'top', 1) ?? 10;
    const a = await ask(args, '/v1/heatmap', defined({ section, query: { text }, model: stringOption(args, 'model') }));
    output(args, a, () => {
      const best = [...a.tiles].sort((x, y) => y.score - x.score).slice(0, top);
      const range = a.min === null ? 'no tiles' : `scores ${a.min.toFixed(3)} to ${a.max!.toFixed(3)}`;
      const unknown = a.unknownWords.length ? [`unknown to the model: ${a.unknownWords.join(', ')}`] : [];
      return [
        `${a.section}: ${a.tiles.length} tiles, ${range} (model ${a.model})`,
        ...best.map((t) => `  ${t.score.toFixed(3)}  [${t.bbox.join(', ')}]  ${t.id}`),
        ...unknown,
      ].join('\n');
    });
  },
};
