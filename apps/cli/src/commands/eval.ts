import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { evalMarkdown, evaluateModel, verifyModelPackage, type Device, type Protocol } from '@cytoclip/model';
import { openApi } from '../api.js';
import { output, stringOption, type Command, type CommandArgs } from '../command.js';
import { UsageError } from '../errors.js';
import { repoRoot, settingsFromEnv } from '../platform.js';
import { apiSource } from '../quality/api-source.js';
import { datasetSource, defaultModel } from '../quality/dataset-source.js';
import { QUERY_SPLITS, readQuerySet, type QuerySplit } from '../quality/queries.js';
import {
  evaluateSearch,
  SEARCH_EVAL_FORMAT,
  searchEvalText,
  type SearchEvalOptions,
  type SearchEvalReport,
} from '../quality/report.js';
import { DEFAULT_SIMILAR } from '../quality/score.js';
import { API_OPTION, integerOption, targetOption } from './search-options.js';

function numberList(args: CommandArgs, name: string): number[] | undefined {
  const value = stringOption(args, name);
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isFinite(n)))
    throw new UsageError(`--${name} must be comma-separated numbers, got "${value}"`);
  return list;
}

function device(args: CommandArgs): Device {
  const value = stringOption(args, 'device') ?? 'cpu';
  if (value !== 'cpu' && value !== 'cuda') throw new UsageError(`--device must be cpu or cuda, got "${value}"`);
  return value;
}

function protocol(args: CommandArgs): Partial<Protocol> {
  const out: Partial<Protocol> = {};
  const ages = numberList(args, 'held-out-ages');
  if (ages) out.heldOutAges = ages;
  const planes = stringOption(args, 'held-out-planes');
  if (planes !== undefined)
    out.heldOutPlanes = planes
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
  const k = stringOption(args, 'k');
  if (k !== undefined) {
    if (!/^[1-9]\d*$/.test(k)) throw new UsageError(`--k must be a positive integer, got "${k}"`);
    out.k = Number(k);
  }
  const split = stringOption(args, 'split');
  if (split !== undefined) {
    if (split !== 'test' && split !== 'val') throw new UsageError(`--split must be test or val, got "${split}"`);
    out.split = split;
  }
  return out;
}

const progress = (done: number, total: number) =>
  process.stderr.write(`\rembedding images ${done}/${total}${done === total ? '\n' : ''}`);

/** The bundled package of the dataset's variant; an unreadable dataset.json is left for the evaluator to report. */
async function protocolModel(datasetDir: string): Promise<string> {
  const meta = await readFile(join(datasetDir, 'dataset.json'), 'utf8')
    .then((text) => JSON.parse(text) as { variant?: unknown })
    .catch(() => null);
  const packages = settingsFromEnv().modelDirs;
  return meta && typeof meta.variant === 'string'
    ? defaultModel(meta.variant, packages)
    : (packages[0] ?? join(repoRoot(), 'models/cytoclip-mini-tile'));
}

/** The paper's protocol: zero-shot, kNN and retrieval on the dataset's four test sets. */
async function evaluateProtocol(args: CommandArgs): Promise<void> {
  const datasetDir = stringOption(args, 'dataset');
  if (!datasetDir) throw new UsageError('--dataset <dir> is required (or --queries FILE with --dataset or --api)');
  const report = await evaluateModel({
    modelDir: stringOption(args, 'model') ?? (await protocolModel(datasetDir)),
    datasetDir,
    protocol: protocol(args),
    model: { device: device(args) },
    progress,
  });
  const out = stringOption(args, 'out');
  if (out) await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  output(args, report, () => evalMarkdown(report));
}

function querySplit(args: CommandArgs): QuerySplit | null {
  const split = stringOption(args, 'split');
  if (split === undefined) return null;
  if (!QUERY_SPLITS.includes(split as QuerySplit))
    throw new UsageError(`--split must be dev or test with --queries, got "${split}"`);
  return split as QuerySplit;
}

/** Search quality as a user meets it: free-text precision@10 over a query set, and find-similar by region. */
async function evaluateQuality(args: CommandArgs): Promise<void> {
  const started = Date.now();
  const datasetDir = stringOption(args, 'dataset');
  if (datasetDir !== undefined && stringOption(args, 'api') !== undefined)
    throw new UsageError('give --dataset or --api, not both');
  const file = stringOption(args, 'queries');
  const items = stringOption(args, 'items') ?? 'test';
  if (items !== 'test' && items !== 'all') throw new UsageError(`--items must be test or all, got "${items}"`);
  const retrieval = stringOption(args, 'retrieval') ?? null;
  const options: SearchEvalOptions = {
    split: querySplit(args),
    queries: file === undefined ? null : { file, lines: await readQuerySet(file) },
    similar: { ...DEFAULT_SIMILAR, seed: integerOption(args, 'seed', 0) ?? DEFAULT_SIMILAR.seed },
  };
  let report: SearchEvalReport;
  if (datasetDir !== undefined) {
    if (retrieval !== null && retrieval !== 'dense')
      throw new UsageError(`--retrieval ${retrieval}: a dataset is ranked by dense cosine only`);
    const settings = settingsFromEnv();
    const model = stringOption(args, 'model');
    const source = await datasetSource({
      datasetDir,
      items,
      packages: settings.modelDirs,
      ...(model ? { modelDir: model } : {}),
      ...(targetOption(args) ? { target: targetOption(args) } : {}),
      model: { device: device(args), imageWorkers: settings.imageWorkers ?? availableParallelism() },
      progress,
    });
    try {
      const figures = await evaluateSearch(source, options);
      report = {
        format: SEARCH_EVAL_FORMAT,
        source: { dataset: source.dataset, dir: datasetDir, items },
        model: source.model,
        target: source.target,
        retrieval,
        ...figures,
        tookMs: Date.now() - started,
      };
    } finally {
      await source.close();
    }
  } else {
    const target = targetOption(args) ?? 'tiles';
    const api = await openApi(args);
    try {
      const model = stringOption(args, 'model');
      const source = apiSource(api, { target, ...(model ? { model } : {}), ...(retrieval ? { retrieval } : {}) });
      const figures = await evaluateSearch(source, options);
      report = {
        format: SEARCH_EVAL_FORMAT,
        source: { api: api.where },
        model: source.model(),
        target,
        retrieval,
        ...figures,
        tookMs: Date.now() - started,
      };
    } finally {
      await api.close();
    }
  }
  const out = stringOption(args, 'out');
  if (out) await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  output(args, report, () => searchEvalText(report));
}

export const evalCommand: Command = {
  path: 'eval',
  summary: "search quality over a query set (--queries), or a model on a dataset with the paper's protocol",
  usage:
    '--queries FILE [--dataset DIR | --api URL] [--retrieval hybrid|dense|lexical] [--split dev|test] [--model NAME] [--target tiles|regions]\n' +
    '       cytoclip eval --dataset DIR [--model DIR] [--split test|val] [--k 10] [--held-out-ages 16,21,30] [--held-out-planes axial]',
  options: {
    queries: {
      type: 'string',
      value: 'FILE',
      description: 'query set (JSONL): score free-text precision@10 per query and find-similar per region',
    },
    dataset: {
      type: 'string',
      value: 'DIR',
      description: 'a dataset (formats.md §2): embedded in-process with --model; without --queries, the protocol',
    },
    ...API_OPTION,
    model: {
      type: 'string',
      value: 'NAME',
      description:
        "--dataset: a package folder (default: the bundled one of the dataset's variant); else the index name@version",
    },
    split: {
      type: 'string',
      value: 'SPLIT',
      description: 'with --queries: dev or test (queries of that half only); without: the protocol split, test or val',
    },
    target: {
      type: 'string',
      value: 'tiles|regions',
      description: 'with --queries: what the queries search (default tiles; a dataset has its own)',
    },
    retrieval: {
      type: 'string',
      value: 'MODE',
      description:
        'with --queries: the retrieval mode sent with each text search (hybrid, dense or lexical); sent only when given',
    },
    items: {
      type: 'string',
      value: 'test|all',
      description: "with --queries --dataset: embed the dataset's test split (default) or every item",
    },
    seed: {
      type: 'string',
      value: 'N',
      description: `find-similar: the seed that draws ${DEFAULT_SIMILAR.perRegion} items per region (default ${DEFAULT_SIMILAR.seed})`,
    },
    k: { type: 'string', value: 'N', description: 'protocol: neighbours of the kNN classifier (default 10)' },
    'held-out-ages': {
      type: 'string',
      value: 'LIST',
      description: 'protocol: gestational weeks held out of training (default 16,21,30)',
    },
    'held-out-planes': {
      type: 'string',
      value: 'LIST',
      description: 'protocol: planes held out of training (default axial)',
    },
    device: { type: 'string', value: 'cpu|cuda', description: 'where the model runs in-process (default cpu)' },
    out: { type: 'string', value: 'FILE', description: 'also write the JSON report to FILE' },
  },
  details: [
    'With --queries (or --api), the search-quality evaluation; its source is --dataset, --api, or else the local',
    'stores in DATA_DIR. A result is a hit when its region path contains an expected region; a query scores',
    'hits / min(10, items the atlas holds for its regions). Find similar: for every region with ≥ 5 items, 5 items',
    'drawn with the seed, each scored by the share of its 10 nearest (itself left out) from its region; averaged per',
    'region, then over regions. The JSON document is described in apps/cli/README.md.',
    'Without --queries, the paper protocol: a Markdown table, or the JSON report with --json.',
  ].join('\n'),
  async run(args) {
    if (stringOption(args, 'queries') !== undefined || stringOption(args, 'api') !== undefined)
      return evaluateQuality(args);
    return evaluateProtocol(args);
  },
};

export const modelsVerifyCommand: Command = {
  path: 'models verify',
  summary: "prove a model package's graphs reproduce its PyTorch reference (ids, 1e-5, image cosine 0.999)",
  usage: '<model-dir> [--json]',
  details: 'Exit status 1 when the package fails.',
  async run(args) {
    const dir = args.positionals[0];
    if (!dir) throw new UsageError('give the model package folder: cytoclip models verify <dir>');
    const report = await verifyModelPackage(dir, { intraOpNumThreads: 1 });
    output(args, report, () =>
      [
        `${report.model}: ${report.ok ? 'OK' : 'FAILED'}`,
        `  token ids: ${report.tokenIds.captions - report.tokenIds.mismatches.length}/${report.tokenIds.captions} captions equal`,
        `  text embeddings max |Δ| ${report.textMaxAbsDiff.toExponential(2)}, pixel embeddings max |Δ| ${report.pixelMaxAbsDiff.toExponential(2)} (≤ 1e-5)`,
        `  image files min cosine ${report.imageMinCosine.toFixed(6)} (≥ 0.999)`,
        ...report.failures.map((f) => `  failure: ${f}`),
      ].join('\n'),
    );
    return report.ok ? 0 : 1;
  },
};

/** Registered in commands/index.ts. */
export const evalCommands: Command[] = [evalCommand, modelsVerifyCommand];
