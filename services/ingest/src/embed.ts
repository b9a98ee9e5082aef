import { cutTiles, type CutTile, type SectionImage, type TilePlan } from '@cytoclip/slides';
import type { IngestModel, TileModelGroup } from './models.js';

/** Batches cut ahead of the model: enough to keep every image worker busy while the next band is read. */
const IN_FLIGHT = 3;

export interface EmbedTilesOptions {
  batchSize: number;
  emit: (tile: TilePlan, model: IngestModel, vector: Float32Array) => void;
  onTiles?: ((count: number) => void) | undefined;
  /** Checked before each batch: once aborted, no new batch is cut or sent to the model. */
  signal?: AbortSignal | undefined;
}

/**
 * Cuts and embeds a section's tiles batch by batch; later batches are cut (band read, sliced, resized) while
 * earlier ones are embedded, so decoding and inference overlap. At most IN_FLIGHT batches wait at once. When it stops
 * early (aborted, or a batch failed), the batches already in the model finish first, so the caller may close it.
 */
export async function embedTiles(
  image: SectionImage,
  tiles: TilePlan[],
  group: TileModelGroup,
  options: EmbedTilesOptions,
): Promise<void> {
  const inflight: Promise<void>[] = [];
  try {
    for await (const batch of cutTiles(image, tiles, {
      size: group.size,
      resize: group.resize,
      batchSize: options.batchSize,
    })) {
      options.signal?.throwIfAborted();
      const work = embedBatch(batch, group, options);
      work.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
      inflight.push(work);
      if (inflight.length >= IN_FLIGHT) await inflight.shift();
    }
    await Promise.all(inflight);
  } catch (error) {
    await Promise.allSettled(inflight);
    throw error;
  }
}

async function embedBatch(batch: CutTile[], group: TileModelGroup, options: EmbedTilesOptions): Promise<void> {
  await Promise.all(
    group.models.map(async (m) => {
      // Tiles come cut at the model's input size: the model only normalises them (embedRgb). With one model the
      // tiles are not needed again, so their buffers go to the image workers as they are.
      const vectors = await m.model.embedRgb(
        batch.map((c) => c.image),
        { handOver: group.models.length === 1 },
      );
      batch.forEach((c, i) => options.emit(c.tile, m, vectors[i]!));
    }),
  );
  options.onTiles?.(batch.length);
}
