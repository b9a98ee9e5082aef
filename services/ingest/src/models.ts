import type { Catalog } from '@cytoclip/catalog';
import { CytoclipError, DEFAULT_TILE_GRID, type TileGrid } from '@cytoclip/domain';
import type { CytoclipModel } from '@cytoclip/model';

export interface IngestModel {
  model: CytoclipModel;
  /** `name@version`. */
  id: string;
  collection: string;
}

export type RegionModel = IngestModel;

/** Tile models that cut the same grid at the same input size share one pass over the section. */
export interface TileModelGroup {
  grid: TileGrid;
  size: number;
  resize: 'bicubic' | 'bilinear';
  models: IngestModel[];
}

/**
 * Registers each model in the catalog (a new one starts `indexing`, with its own collection) and sorts them by
 * variant. A tile model cuts the grid it was trained at: its input size at its µm/px (formats.md "Tiles").
 */
export async function prepareModels(
  catalog: Catalog,
  models: CytoclipModel[],
  gridOverride?: TileGrid,
): Promise<{ tileGroups: TileModelGroup[]; regionModels: RegionModel[]; all: IngestModel[] }> {
  if (models.length === 0) throw new CytoclipError('ingest_invalid', 'ingest needs at least one model');
  const all: IngestModel[] = [];
  const groups = new Map<string, TileModelGroup>();
  const regionModels: RegionModel[] = [];
  for (const model of models) {
    const { name, version, variant, embeddingDim: dim } = model.info;
    const row = await catalog.registerModel({ name, version, variant, dim });
    const entry = { model, id: row.id, collection: row.collection };
    all.push(entry);
    if (variant === 'region') {
      regionModels.push(entry);
      continue;
    }
    const { size, resize } = model.info.image;
    const grid = gridOverride ?? {
      micronsPerPixel: model.info.micronsPerPixel ?? DEFAULT_TILE_GRID.micronsPerPixel,
      size,
    };
    const key = `${grid.micronsPerPixel}/${grid.size}/${size}/${resize}`;
    const group = groups.get(key) ?? { grid, size, resize, models: [] };
    group.models.push(entry);
    groups.set(key, group);
  }
  return { tileGroups: [...groups.values()], regionModels, all };
}
