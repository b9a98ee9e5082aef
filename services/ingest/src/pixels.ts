import type { CytoclipModel } from '@cytoclip/model';
import type { RawImage } from '@cytoclip/slides';

/**
 * Embeds tiles already cut at the model's input size. cutTiles ran the one resize (prepareModelInput) wherever a
 * tile needed one, so a tile at model size only needs the model's normalisation, (x/255 - mean)/std in NCHW, and
 * the round trip through sharp that embedImages would add per tile is skipped. Other sizes go through embedImages.
 */
export async function embedTileImages(model: CytoclipModel, images: RawImage[]): Promise<Float32Array[]> {
  const { size, mean, std } = model.info.image;
  if (images.some((im) => im.width !== size || im.height !== size || im.channels !== 3)) return model.embedImages(images);
  const n = size * size;
  const pixels = new Float32Array(images.length * 3 * n);
  images.forEach((im, k) => {
    for (let c = 0; c < 3; c++) {
      const scale = 1 / (255 * std[c]!);
      const shift = mean[c]! / std[c]!;
      const base = (k * 3 + c) * n;
      for (let p = 0; p < n; p++) pixels[base + p] = im.data[p * 3 + c]! * scale - shift;
    }
  });
  return model.embedPixels(pixels, images.length);
}
