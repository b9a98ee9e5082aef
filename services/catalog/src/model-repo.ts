import { asc, eq, sql } from 'drizzle-orm';
import { CytoclipError } from '@cytoclip/domain';
import type { Db } from './db.js';
import { models } from './schema.js';
import type { ModelInput, ModelRow, ModelStatus } from './types.js';

export function modelId(model: Pick<ModelInput, 'name' | 'version'>): string {
  return `${model.name}@${model.version}`;
}

/** A collection name every store accepts: `cytoclip-mini-tile@1` -> `cytoclip-mini-tile_1`. */
export function defaultCollection(model: Pick<ModelInput, 'name' | 'version'>): string {
  return modelId(model).replace(/[^A-Za-z0-9_-]/g, '_');
}

export async function registerModel(db: Db, model: ModelInput): Promise<ModelRow> {
  if (!Number.isInteger(model.dim) || model.dim <= 0)
    throw new CytoclipError('model_invalid', `model ${modelId(model)} has an invalid embedding dimension ${model.dim}`);
  const id = modelId(model);
  await db
    .insert(models)
    .values({
      id,
      name: model.name,
      version: model.version,
      variant: model.variant,
      dim: model.dim,
      collection: model.collection ?? defaultCollection(model),
    })
    .onConflictDoNothing();
  const row = (await getModel(db, id))!;
  if (row.dim !== model.dim || row.variant !== model.variant)
    throw new CytoclipError(
      'model_conflict',
      `model ${id} is registered with variant ${row.variant} and dimension ${row.dim}`,
      {
        status: 409,
        detail: {
          registered: { variant: row.variant, dim: row.dim },
          given: { variant: model.variant, dim: model.dim },
        },
      },
    );
  return row;
}

export async function setModelStatus(db: Db, id: string, status: ModelStatus): Promise<void> {
  const updated = await db
    .update(models)
    .set({ status, completedAt: status === 'complete' ? sql`now()` : null })
    .where(eq(models.id, id))
    .returning({ id: models.id });
  if (updated.length === 0) throw new CytoclipError('unknown_model', `unknown model ${id}`, { status: 404 });
}

export async function listModels(db: Db): Promise<ModelRow[]> {
  return (await db.select().from(models).orderBy(asc(models.createdAt), asc(models.id))).map(toModel);
}

export async function getModel(db: Db, id: string): Promise<ModelRow | null> {
  const found = await db.select().from(models).where(eq(models.id, id));
  return found[0] ? toModel(found[0]) : null;
}

function toModel(row: typeof models.$inferSelect): ModelRow {
  return { ...row, variant: row.variant as ModelRow['variant'], status: row.status as ModelStatus };
}
