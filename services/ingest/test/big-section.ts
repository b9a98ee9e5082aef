import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { tinyAtlas } from './helpers.js';

/** The big section's grid: 64-px tiles at 4 µm/px over a 2 µm/px section (128 level-0 px a tile, read from level 1). */
export const BIG_GRID = { micronsPerPixel: 4, size: 64 };
export const BIG_SECTION = 'B01-cor-0001';

/**
 * An atlas of one unannotated 6,000² section stored as DHARANI stores theirs: a tiled pyramidal JPEG TIFF (256-px
 * tiles). Its tissue is a disc of noisy stain (about 1,700 tiles of BIG_GRID), glass around it.
 */
export async function bigSectionAtlas(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cytoclip-big-section-'));
  await mkdir(join(dir, 'sections'));
  await copyFile(join(await tinyAtlas(), 'ontology.json'), join(dir, 'ontology.json'));
  await writeFile(join(dir, 'atlas.json'), JSON.stringify(manifest()));
  await writeBigSection(join(dir, 'sections', `${BIG_SECTION}.tif`), 6000);
  return dir;
}

function manifest() {
  return {
    format: 'cytoclip-atlas/1',
    name: 'big-section',
    ontology: 'ontology.json',
    specimens: [{ id: 'B01', gestationalWeek: 20 }],
    sections: [
      {
        id: BIG_SECTION,
        specimen: 'B01',
        plane: 'coronal',
        index: 1,
        stain: 'nissl',
        image: `sections/${BIG_SECTION}.tif`,
        micronsPerPixel: 2,
      },
    ],
  };
}

/** Noise drawn at 1/8 scale (seeded, so every run writes the same pixels) and enlarged: 4.5 MB of raw pixels, not 108. */
async function writeBigSection(path: string, side: number): Promise<void> {
  const small = side / 8;
  const pixels = Buffer.alloc(small * small * 3, 255);
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let y = 0; y < small; y++)
    for (let x = 0; x < small; x++) {
      if (Math.hypot(x - small / 2, y - small / 2) > small * 0.45) continue;
      const shade = 90 + Math.floor(random() * 120);
      pixels.set([shade, Math.floor(shade * 0.7), shade + 20 > 255 ? 255 : shade + 20], (y * small + x) * 3);
    }
  await sharp(pixels, { raw: { width: small, height: small, channels: 3 } })
    .resize(side, side, { kernel: 'nearest' })
    .tiff({ tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, compression: 'jpeg', quality: 85 })
    .toFile(path);
}
