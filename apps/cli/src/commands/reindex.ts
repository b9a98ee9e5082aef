import { reindexLexical, type ReindexedCollection } from '@cytoclip/ingest';
import { DATA_VERSION } from '@cytoclip/vectors';
import { output, stringOption, type Command } from '../command.js';
import { staleCollections } from '../data-format.js';
import { openStores, settingsFromEnv, type Stores } from '../platform.js';

interface Reindexed extends ReindexedCollection {
  /** The collection's data format before and after (DATA_VERSION once its points are current). */
  dataVersion: { from: number; to: number };
}

function summary(done: Reindexed[]): string {
  if (done.length === 0) return 'no indexed model to reindex';
  return done
    .map(
      (c) =>
        `${c.model.padEnd(28)} ${c.points} points: ${c.updated} given lexical vectors, ${c.unchanged} already had ` +
        `theirs; ${c.coverage.lexical} of ${c.coverage.points} now searchable by words; ` +
        `data format ${c.dataVersion.from} → ${c.dataVersion.to}`,
    )
    .join('\n');
}

/**
 * Brings every model collection to the current data format: its layout first where the store cannot change it in
 * place (a Qdrant collection from before lexical vectors is rebuilt behind its alias), then its points (lexical
 * vectors), then the stamp.
 */
async function reindex(stores: Stores, models: string[] | undefined, onSection?: (m: string, s: string) => void) {
  const before = new Map((await staleCollections(stores)).map((s) => [s.collection, s.version]));
  const wanted = (await stores.catalog.listModels()).filter((m) => !models || models.includes(m.id));
  for (const model of wanted) if (before.has(model.collection)) await stores.vectors.upgradeLayout(model.collection);
  const done = await reindexLexical({ ...stores, ...(models ? { models } : {}), onSection });
  const out: Reindexed[] = [];
  for (const c of done) {
    await stores.vectors.markDataVersion(c.collection, DATA_VERSION);
    out.push({ ...c, dataVersion: { from: before.get(c.collection) ?? DATA_VERSION, to: DATA_VERSION } });
  }
  await stores.vectors.flush();
  return out;
}

export const reindexCommand: Command = {
  path: 'reindex',
  summary: 'bring stored vectors to the current data format (lexical vectors of hybrid search), stamping it',
  usage: '[--model NAME@VERSION] [--json]',
  details:
    "Builds each point's lexical vector from its region (catalog ontology + thesaurus) and age, as ingest does, and\n" +
    'rewrites only points whose vector is missing or differs (a second run writes nothing), then stamps each\n' +
    `collection with data format ${DATA_VERSION} (start and serve warn about older ones). A Qdrant collection created\n` +
    'before lexical vectors is first rebuilt as a new collection behind its alias (points copied, alias switched\n' +
    'atomically). Run it with the server stopped (the embedded stores admit one process).',
  options: {
    model: { type: 'string', value: 'NAME@VERSION', description: 'only this model index (default: every one)' },
  },
  async run(args) {
    const stores = await openStores(settingsFromEnv());
    try {
      const model = stringOption(args, 'model');
      const progress = args.json
        ? undefined
        : (m: string, section: string) => process.stderr.write(`\r${m} ${section}          `);
      const done = await reindex(stores, model ? [model] : undefined, progress);
      if (!args.json) process.stderr.write('\n');
      output(args, { collections: done }, () => summary(done));
    } finally {
      await stores.close();
    }
  },
};
