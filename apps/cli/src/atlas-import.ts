import { CytoclipError } from '@cytoclip/domain';
import { importDharani, type DharaniImportOptions } from '@cytoclip/atlas';
import { output, stringOption, type Command, type CommandArgs } from './command.js';

function specimens(args: CommandArgs): number[] | undefined {
  const value = stringOption(args, 'specimens');
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => s.trim());
  if (list.some((s) => !/^\d+$/.test(s)))
    throw new CytoclipError('invalid_argument', `--specimens must be comma-separated numbers, got "${value}"`);
  return list.map(Number);
}

/** `--weeks 1=16,4=24.5`: gestational weeks per specimen number. */
function weeks(args: CommandArgs): Record<number, number> | undefined {
  const value = stringOption(args, 'weeks');
  if (value === undefined) return undefined;
  const pairs = value.split(',').map((pair) => /^\s*(\d+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(pair));
  if (pairs.some((m) => m === null))
    throw new CytoclipError('invalid_argument', `--weeks must look like 1=16,4=24 (specimen=GW), got "${value}"`);
  return Object.fromEntries(pairs.map((m) => [Number(m![1]), Number(m![2])]));
}

/** One line on a terminal, rewritten as sections go by; nothing when stderr is a file or a pipe. */
function progress(): DharaniImportOptions['onProgress'] {
  if (!process.stderr.isTTY) return undefined;
  return ({ specimen, section, done, total }) => {
    process.stderr.write(`\rspecimen ${specimen}: section ${section} (${done}/${total})   `);
    if (done === total) process.stderr.write('\n');
  };
}

export const atlasImportDharaniCommand: Command = {
  path: 'atlas import dharani',
  summary: 'import DHARANI (fetal human NISSL atlas) from a copy of its public bucket into atlas folders',
  usage: '<folder> [--specimens 1,2,…] [--out <atlas dir>] [--replace]',
  details:
    '<folder> mirrors s3://dharani-fetal-brain-atlas: data2d/specimen_N/, ontology/ontology.json and optionally\n' +
    'directory-listings/. Images are linked, not copied: keep <folder> under CYTOCLIP_ATLAS_ROOTS so ingest\n' +
    'follows the links. Writes atlas.json, ontology.json, sections/ and import-report.json, and prints a summary.\n' +
    'Exit status 1 when a file failed (the rest of the atlas is still written; import-report.json lists it).',
  options: {
    specimens: { type: 'string', value: 'LIST', description: 'specimen numbers, e.g. 1,4 (default: all in <folder>)' },
    out: {
      type: 'string',
      value: 'DIR',
      description: 'one atlas folder for all requested specimens (default: dharani-specimen-N beside <folder>)',
    },
    replace: { type: 'boolean', default: false, description: 'replace an existing atlas folder' },
    weeks: {
      type: 'string',
      value: 'N=GW,…',
      description: "gestational weeks per specimen, e.g. 1=16 (default: DHARANI's pcw + 2)",
    },
  },
  async run(args) {
    const folder = args.positionals[0];
    if (!folder) throw new CytoclipError('invalid_argument', 'give the folder: cytoclip atlas import dharani <folder>');
    const atlases = await importDharani(folder, {
      specimens: specimens(args),
      out: stringOption(args, 'out'),
      replace: args.values.replace === true,
      weeks: weeks(args),
      onProgress: args.json ? undefined : progress(),
    });
    output(args, { atlases: atlases.map(({ dir, name, report }) => ({ dir, name, report })) }, () =>
      atlases.map((a) => a.summary).join('\n\n'),
    );
    return atlases.some((a) => a.report.failed.length > 0) ? 1 : 0;
  },
};
