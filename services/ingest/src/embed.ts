import { cutTiles, type SectionImage, type TilePlan } from '@cytoclip/slides';
import type { IngestModel, TileModelGroup } from './models.js';
import { embedTileImages } from './pixels.js';

/**
 * Cuts and embeds a section's tiles batch by batch; the next batch is cut (strip read, sliced, resized) while the
 * previous one is embedded, so decoding and inference overlap.
 */
export async function embedTiles(
  image: SectionImage,
  tiles: TilePlan[],
  group: TileModelGroup,
  batchSize: number,
  emit: (tile: TilePlan, model: IngestModel, vector: Float32Array) => void,
  onTiles?: (count: number) => void,
): Promise<void> {
  let inflight: Promise<void> | null = null;
  for await (const batch of cutTiles(image, tiles, { size: group.size, resize: group.resize, batchSize })) {
    const work = Promise.all(
      group.models.map(async (m) => {
        const vectors = await embedTileImages(m.model, batch.map((c) => c.image));
        batch.forEach((c, i) => emit(c.tile, m, vectors[i]!));
      }),
    ).then(() => onTiles?.(batch.length));
    work.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
    if (inflight) await inflight;
    inflight = work;
  }
  if (inflight) await inflight;
}
