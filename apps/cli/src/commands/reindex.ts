import { reindexLexical, type ReindexedCollection } from '@cytoclip/ingest';
import { output, stringOption, type Command } from '../command.js';
import { openStores, settingsFromEnv } from '../platform.js';

function summary(done: ReindexedCollection[]): string {
  if (done.length === 0) return 'no indexed model to reindex';
  return done
    .map(
      (c) =>
        `${c.model.padEnd(28)} ${c.points} points: ${c.updated} given lexical vectors, ${c.unchanged} already had ` +
        `theirs; ${c.coverage.lexical} of ${c.coverage.points} now searchable by words`,
    )
    .join('\n');
}

export const reindexCommand: Command = {
  path: 'reindex',
  summary: 'give stored points the lexical vectors of hybrid search (data ingested before them)',
  usage: '[--model NAME@VERSION] [--json]',
  details:
    "Builds each point's lexical vector from its region (catalog ontology + thesaurus) and age, as ingest does, and\n" +
    'rewrites only points whose vector is missing or differs (a second run writes nothing). Run it with the server\n' +
    'stopped (the embedded stores admit one process). A Qdrant collection created before lexical vectors cannot hold\n' +
    'them: remove the atlases and ingest them again.',
  options: {
    model: { type: 'string', value: 'NAME@VERSION', description: 'only this model index (default: every one)' },
  },
  async run(args) {
    const stores = await openStores(settingsFromEnv());
    try {
      const model = stringOption(args, 'model');
      const done = await reindexLexical({
        catalog: stores.catalog,
        vectors: stores.vectors,
        ...(model ? { models: [model] } : {}),
        onSection: args.json ? undefined : (m, section) => process.stderr.write(`\r${m} ${section}          `),
      });
      if (!args.json) process.stderr.write('\n');
      output(args, { collections: done }, () => summary(done));
    } finally {
      await stores.close();
    }
  },
};
