import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { SearchResponse } from '@cytoclip/query/api-types';
import { openApi } from '../api.js';
import { output, stringOption, type Command, type CommandArgs, type OptionSpec } from '../command.js';
import { UsageError } from '../errors.js';
import {
  API_OPTION,
  defined,
  exampleArg,
  FILTER_OPTIONS,
  filterFrom,
  integerOption,
  listOption,
  MODEL_OPTION,
  numberOption,
  regionOfArg,
  TARGET_OPTION,
  targetOption,
} from './search-options.js';

const SEARCH_OPTIONS: OptionSpec = {
  ...FILTER_OPTIONS,
  limit: { type: 'string', value: 'N', description: 'results per page (default 10, at most 200)' },
  offset: { type: 'string', value: 'N', description: 'skip the first N results (paging)' },
  ...TARGET_OPTION,
  ...MODEL_OPTION,
  'min-score': { type: 'string', value: 'S', description: 'drop results scoring below S (cosine, -1 to 1)' },
  'per-section': { type: 'string', value: 'N', description: 'at most N results from any one section' },
  retrieval: {
    type: 'string',
    value: 'MODE',
    description:
      'hybrid (the server default: CytoCLIP cosine and words in the annotations, fused), dense (cosine only) or ' +
      'lexical (annotation words only); sent only when given',
  },
  ...API_OPTION,
};

/** The request of formats.md §4 without `query` (that part differs per command). */
function requestFrom(args: CommandArgs): Record<string, unknown> {
  return defined({
    filter: filterFrom(args),
    limit: integerOption(args, 'limit', 1) ?? 10,
    offset: integerOption(args, 'offset', 0),
    minScore: numberOption(args, 'min-score'),
    perSection: integerOption(args, 'per-section', 1),
    target: targetOption(args),
    model: stringOption(args, 'model'),
    retrieval: retrievalOption(args),
  });
}

const RETRIEVALS = ['hybrid', 'dense', 'lexical'];

function retrievalOption(args: CommandArgs): string | undefined {
  const value = stringOption(args, 'retrieval');
  if (value !== undefined && !RETRIEVALS.includes(value))
    throw new UsageError(`--retrieval must be ${RETRIEVALS.join(', ')}, got "${value}"`);
  return value;
}

/** A JSON search, or with an image file the multipart upload route (the file travels as it is). */
async function runSearch(
  args: CommandArgs,
  query: Record<string, unknown> | { file: string },
): Promise<SearchResponse> {
  const request = requestFrom(args);
  const file = typeof query.file === 'string' ? query.file : null;
  const form = file !== null ? await uploadForm(file, request) : null;
  const api = await openApi(args);
  try {
    if (form) return await api.postForm('/v1/search/image', form);
    return await api.post('/v1/search', { query, ...request });
  } finally {
    await api.close();
  }
}

export async function readImageFile(path: string): Promise<Buffer> {
  return readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read the image ${path}: ${error.code ?? error.message}`, 'file_not_found');
  });
}

async function uploadForm(file: string, request: Record<string, unknown>): Promise<FormData> {
  const form = new FormData();
  form.set('image', new Blob([new Uint8Array(await readImageFile(file))]), basename(file));
  form.set('request', JSON.stringify(request));
  return form;
}

/** The human-readable answer; a tile of an unannotated section (region null) reads "unannotated". */
export function table(a: SearchResponse): string {
  const lines = a.results.map(
    (r, i) =>
      `${String(i + 1).padStart(3)}  ${r.score.toFixed(3)}  ${(r.region?.acronym ?? 'unannotated').padEnd(8)} GW ${String(r.gestationalWeek).padEnd(5)} ${r.plane.padEnd(9)} ${r.section.padEnd(16)} ${r.id}`,
  );
  const how = a.retrieval ? `, ${a.retrieval}` : '';
  const head = `${a.results.length} of ${a.total} (model ${a.model}${how}, ${a.tookMs} ms)`;
  const unknown = a.unknownWords.length ? `\nunknown to the model: ${a.unknownWords.join(', ')}` : '';
  const notices = (a.notices ?? []).map((n) => `\nnote: ${n.message}`).join('');
  return [head, ...lines].join('\n') + unknown + notices;
}

const EXAMPLE_OPTIONS: OptionSpec = {
  positive: {
    type: 'string',
    multiple: true,
    value: 'EXAMPLE',
    description:
      'look like this (repeatable, up to 16): words, tile:ID, region:ID or @FILE (an image), ^W at the end weighs it ' +
      '(e.g. "granular layer^2"); the query text and --image join them',
  },
  negative: {
    type: 'string',
    multiple: true,
    value: 'EXAMPLE',
    description: 'look unlike this (repeatable, up to 16; same forms as --positive); the stored ones are never results',
  },
  'region-of': {
    type: 'string',
    value: 'SECTION:X,Y,W,H',
    description: "search by this box of a stored section (level-0 px), cut at the model's µm/px",
  },
};

/** query.positive / negative / sectionRegion from the options, the query text and --image; null when none is given. */
async function examplesQuery(
  args: CommandArgs,
  text: string,
  image: string | undefined,
): Promise<Record<string, unknown> | null> {
  const positives = listOption(args, 'positive');
  const negatives = listOption(args, 'negative');
  const regionOf = stringOption(args, 'region-of');
  if (!positives.length && !negatives.length && regionOf === undefined) return null;
  const negative = await Promise.all(negatives.map((v) => exampleArg(v, 'negative', readImageFile)));
  const negativePart = negative.length ? { negative } : {};
  if (regionOf !== undefined) {
    if (positives.length || text || image !== undefined)
      throw new UsageError('--region-of is the whole positive side: give it alone (with --negative if you like)');
    return { sectionRegion: regionOfArg(regionOf), ...negativePart };
  }
  const positive = [
    ...(text ? [{ text }] : []),
    ...(image !== undefined ? [{ image: (await readImageFile(image)).toString('base64') }] : []),
    ...(await Promise.all(positives.map((v) => exampleArg(v, 'positive', readImageFile)))),
  ];
  if (!positive.length) throw new UsageError('--negative needs a positive: the query text, --image or --positive');
  return { positive, ...negativePart };
}

export const searchCommand: Command = {
  path: 'search',
  summary: 'search tiles (or region images) by text or by an image file',
  usage:
    '"<text>" [options]  |  cytoclip search --image FILE [options]  |  cytoclip search --positive EXAMPLE … ' +
    '[--negative EXAMPLE …]  |  cytoclip search --region-of SECTION:X,Y,W,H',
  details:
    'Runs in-process over the stores in DATA_DIR (the same app as `serve`, no socket), or against --api.\n' +
    'Example: cytoclip search "layered cortex with dense granular cells" --week 18-24 --plane coronal\n' +
    'Examples: cytoclip search "dense granular layer" --positive tile:ID --negative tile:ID2 --negative @bad.png',
  options: {
    image: { type: 'string', value: 'FILE', description: 'search by this PNG, JPEG, TIFF or WebP instead of text' },
    ...EXAMPLE_OPTIONS,
    ...SEARCH_OPTIONS,
  },
  async run(args) {
    const text = args.positionals.join(' ').trim();
    const image = stringOption(args, 'image');
    const examples = await examplesQuery(args, text, image);
    if (examples) {
      const answer = await runSearch(args, examples);
      return output(args, answer, () => table(answer));
    }
    if (image !== undefined && text) throw new UsageError('give either the query text or --image FILE, not both');
    if (image === undefined && !text)
      throw new UsageError('give the query text (cytoclip search "layered cortex") or --image FILE');
    const a = await runSearch(args, image !== undefined ? { file: image } : { text });
    output(args, a, () => table(a));
  },
};

export const similarCommand: Command = {
  path: 'similar',
  summary: 'items similar to a stored tile (or region image, with --target regions)',
  usage: '<tile-id> [options]',
  options: SEARCH_OPTIONS,
  async run(args) {
    const id = args.positionals[0];
    if (!id || args.positionals.length > 1) throw new UsageError('give one tile id: cytoclip similar <tile-id>');
    const target = targetOption(args) ?? 'tiles';
    const a = await runSearch(args, target === 'regions' ? { regionImageId: id } : { tileId: id });
    output(args, a, () => table(a));
  },
};
