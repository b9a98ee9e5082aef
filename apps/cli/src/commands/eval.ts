import { writeFile } from 'node:fs/promises';
import { CytoclipError } from '@cytoclip/domain';
import { evalMarkdown, evaluateModel, verifyModelPackage, type Device, type Protocol } from '@cytoclip/model';
import { output, stringOption, type Command, type CommandArgs } from '../command.js';

function numberList(args: CommandArgs, name: string): number[] | undefined {
  const value = stringOption(args, name);
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isFinite(n)))
    throw new CytoclipError('invalid-argument', `--${name} must be comma-separated numbers, got "${value}"`);
  return list;
}

function device(args: CommandArgs): Device {
  const value = stringOption(args, 'device') ?? 'cpu';
  if (value !== 'cpu' && value !== 'cuda')
    throw new CytoclipError('invalid-argument', `--device must be cpu or cuda, got "${value}"`);
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
    if (!/^[1-9]\d*$/.test(k))
      throw new CytoclipError('invalid-argument', `--k must be a positive integer, got "${k}"`);
    out.k = Number(k);
  }
  const split = stringOption(args, 'split');
  if (split !== undefined) {
    if (split !== 'test' && split !== 'val')
      throw new CytoclipError('invalid-argument', `--split must be test or val, got "${split}"`);
    out.split = split;
  }
  return out;
}

export const evalCommand: Command = {
  path: 'eval',
  summary: "evaluate a model package on a dataset with the paper's protocol (zero-shot, kNN, retrieval)",
  usage: [
    'cytoclip eval --dataset <dir> [--model models/cytoclip-mini-tile] [--split test|val] [--k 10]',
    '              [--held-out-ages 16,21,30] [--held-out-planes axial] [--device cpu|cuda] [--out report.json] [--json]',
    'Prints a Markdown table (or the JSON report with --json); --out also writes the JSON report to a file.',
  ].join('\n'),
  options: {
    model: { type: 'string' },
    dataset: { type: 'string' },
    split: { type: 'string' },
    k: { type: 'string' },
    'held-out-ages': { type: 'string' },
    'held-out-planes': { type: 'string' },
    device: { type: 'string' },
    out: { type: 'string' },
  },
  async run(args) {
    const datasetDir = stringOption(args, 'dataset');
    if (!datasetDir) throw new CytoclipError('invalid-argument', '--dataset <dir> is required');
    const report = await evaluateModel({
      modelDir: stringOption(args, 'model') ?? 'models/cytoclip-mini-tile',
      datasetDir,
      protocol: protocol(args),
      model: { device: device(args) },
      progress: (done, total) =>
        process.stderr.write(`\rembedding images ${done}/${total}${done === total ? '\n' : ''}`),
    });
    const out = stringOption(args, 'out');
    if (out) await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
    output(args, report, () => evalMarkdown(report));
  },
};

export const modelsVerifyCommand: Command = {
  path: 'models verify',
  summary: "prove a model package's graphs reproduce its PyTorch reference (ids, 1e-5, image cosine 0.999)",
  usage: 'cytoclip models verify <model-dir> [--json]   (exit status 1 when the package fails)',
  async run(args) {
    const dir = args.positionals[0];
    if (!dir)
      throw new CytoclipError('invalid-argument', 'give the model package folder: cytoclip models verify <dir>');
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
