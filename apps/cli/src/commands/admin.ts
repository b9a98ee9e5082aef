import { CytoclipError } from '@cytoclip/domain';
import { output, type Command } from '../command.js';
import { findModelPackages, openStores, settingsFromEnv } from '../platform.js';
import { removeAtlas } from '@cytoclip/ingest';
import { loadModelPackage } from '@cytoclip/model';

export const atlasListCommand: Command = {
  path: 'atlas list',
  summary: 'list ingested atlases',
  async run(args) {
    const stores = await openStores(settingsFromEnv());
    try {
      const atlases = await stores.catalog.listAtlases();
      output(args, { atlases }, () =>
        atlases.length
          ? atlases
              .map(
                (a) =>
                  `${a.name.padEnd(24)} ${a.specimens} specimens, ${a.sections} sections, ${a.tiles} tiles, ${a.regionImages} region images  (${a.root})`,
              )
              .join('\n')
          : 'no atlas ingested yet',
      );
    } finally {
      await stores.close();
    }
  },
};

export const atlasRmCommand: Command = {
  path: 'atlas rm',
  summary: 'remove an ingested atlas, its vectors and its section copies: cytoclip atlas rm <name>',
  usage: '<name> [--json]',
  async run(args) {
    const name = args.positionals[0];
    if (!name) throw new CytoclipError('invalid_argument', 'give the atlas name: cytoclip atlas rm <name>');
    const settings = settingsFromEnv();
    const stores = await openStores(settings);
    try {
      let points = 0;
      for (const model of await stores.catalog.listModels())
        points += await stores.vectors.count(model.collection, { atlases: [name] }).catch(() => 0);
      const { catalog, vectors } = stores;
      if (!(await removeAtlas({ catalog, vectors, dataDir: settings.dataDir, name })))
        throw new CytoclipError('not_found', `no atlas named ${name}`, { status: 404 });
      await vectors.flush();
      output(args, { removed: name, vectors: points }, () => `removed atlas ${name} (${points} vectors)`);
    } finally {
      await stores.close();
    }
  },
};

export const modelsListCommand: Command = {
  path: 'models list',
  summary: 'list model packages (CYTOCLIP_MODELS, default models/) and their index status',
  async run(args) {
    const settings = settingsFromEnv();
    const packages = await Promise.all(
      findModelPackages(settings.modelDirs).map(async (dir) => {
        const pkg = await loadModelPackage(dir);
        const m = pkg.manifest;
        return {
          id: `${m.name}@${m.version}`,
          name: m.name,
          version: m.version,
          variant: m.variant,
          embeddingDim: m.embeddingDim,
          dir,
        };
      }),
    );
    const stores = await openStores(settings);
    try {
      const indexed = await stores.catalog.listModels();
      const models = packages.map((p) => {
        const row = indexed.find((r) => r.id === p.id);
        return {
          ...p,
          index: row ? { status: row.status, collection: row.collection, completedAt: row.completedAt } : null,
        };
      });
      output(args, { models }, () =>
        models.length
          ? models
              .map(
                (m) =>
                  `${m.id.padEnd(28)} ${m.variant.padEnd(7)} dim ${String(m.embeddingDim).padEnd(5)} ${m.index ? m.index.status : 'not indexed'}  ${m.dir}`,
              )
              .join('\n')
          : 'no model packages found (set CYTOCLIP_MODELS or put packages under models/)',
      );
    } finally {
      await stores.close();
    }
  },
};
