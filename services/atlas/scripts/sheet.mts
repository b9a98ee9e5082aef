// npm run atlas:sheet — docs/atlas-contact-sheet.png (synthetic only, kept small) and, where ../shared/reference
// exists, DATA_DIR/atlas-reference/{side-by-side.png,colour-stats.json} comparing the renderer with real NISSL images.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import type { Plane } from '@cytoclip/domain';
import {
  acronymOf,
  cellSpec,
  FetalBrain,
  GENERATOR_VERSION,
  NO_NUISANCES,
  planSection,
  PRESETS,
  REGION_ACRONYMS,
  renderWhole,
  type PlannedSection,
} from '../index.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const THUMB = 200;
const TILE = 88;

function label(text: string, width: number, height = 18): Buffer {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/><text x="3" y="${height - 5}" font-family="sans-serif" font-size="${height - 5}" fill="black">${escaped}</text></svg>`,
  );
}

async function png(section: PlannedSection, rgb: Buffer): Promise<Sharp> {
  return sharp(rgb, { raw: { width: section.geometry.width, height: section.geometry.height, channels: 3 } });
}

/** A whole section at the demo preset's scale, fitted into a THUMB square. */
async function sectionThumb(week: number, plane: Plane, position: number): Promise<Buffer> {
  const section = planSection({
    gestationalWeek: week,
    plane,
    position,
    micronsPerPixel: 4,
    lengthMm: PRESETS.demo!.lengthMm(week),
    seed: week * 7 + position * 100,
    specimenSeed: week,
  });
  const img = await png(section, renderWhole(section));
  return img.resize(THUMB, THUMB, { fit: 'contain', background: '#f1f1f8' }).png().toBuffer();
}

/** Block of the label map farthest from any other region (chamfer distance), per label. */
function deepestBlocks(section: PlannedSection): Map<number, [number, number, number]> {
  const { width: w, height: h, label } = section.labels;
  const d = new Float32Array(w * h).fill(1e9);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const l = label[y * w + x]!;
      const edge =
        x === 0 ||
        y === 0 ||
        x === w - 1 ||
        y === h - 1 ||
        label[y * w + x - 1] !== l ||
        label[y * w + x + 1] !== l ||
        label[(y - 1) * w + x] !== l ||
        label[(y + 1) * w + x] !== l;
      if (edge) d[y * w + x] = 0;
    }
  for (let y = 1; y < h; y++)
    for (let x = 1; x < w; x++) d[y * w + x] = Math.min(d[y * w + x]!, d[(y - 1) * w + x]! + 1, d[y * w + x - 1]! + 1);
  for (let y = h - 2; y >= 0; y--)
    for (let x = w - 2; x >= 0; x--)
      d[y * w + x] = Math.min(d[y * w + x]!, d[(y + 1) * w + x]! + 1, d[y * w + x + 1]! + 1);
  const best = new Map<number, [number, number, number]>();
  for (let k = 0; k < w * h; k++) {
    const l = label[k]!;
    if (l && (best.get(l)?.[2] ?? -1) < d[k]!) best.set(l, [k % w, (k / w) | 0, d[k]!]);
  }
  return best;
}

/** A 1 µm/px tile from the middle of each region, at true anatomical size, without artefacts. */
async function regionTiles(): Promise<Map<string, Buffer>> {
  const tiles = new Map<string, Buffer>();
  const sources: [number, Plane, number][] = [
    [21, 'coronal', 0.5],
    [21, 'coronal', 0.45],
    [21, 'sagittal', 0.3],
    [36, 'sagittal', 0.5],
    [36, 'coronal', 0.5],
    [21, 'sagittal', 0.5],
    [21, 'coronal', 0.3],
    [36, 'axial', 0.62],
    [21, 'sagittal', 0.38],
  ];
  for (const [week, plane, position] of sources) {
    const coarse = planSection({
      gestationalWeek: week,
      plane,
      position,
      micronsPerPixel: 40,
      labelStep: 1,
      seed: 1,
      specimenSeed: week,
    });
    for (const [l, [bx, by, depth]] of deepestBlocks(coarse)) {
      const acronym = acronymOf(l)!;
      if (tiles.has(acronym) || depth < 1 || !cellSpec(acronym, week)) continue;
      const g = coarse.geometry;
      const u = g.originU + ((bx + 0.5) * g.micronsPerPixel) / 1000;
      const v = g.originV + ((by + 0.5) * g.micronsPerPixel) / 1000;
      const half = TILE / 2000;
      const tile = planSection({
        gestationalWeek: week,
        plane,
        position,
        micronsPerPixel: 1,
        labelStep: 2,
        seed: 5,
        specimenSeed: week,
        windowMm: [u - half, v - half, u + half, v + half],
        nuisances: NO_NUISANCES,
      });
      tiles.set(acronym, await (await png(tile, renderWhole(tile))).resize(TILE, TILE).png().toBuffer());
    }
  }
  return tiles;
}

async function contactSheet(): Promise<string> {
  const weeks = [14, 20, 27, 36];
  const planes: [Plane, number][] = [
    ['coronal', 0.5],
    ['sagittal', 0.38],
    ['axial', 0.62],
  ];
  const parts: OverlayOptions[] = [];
  const head = 22;
  for (const [r, week] of weeks.entries()) {
    for (const [c, [plane, position]] of planes.entries()) {
      const left = c * THUMB;
      const top = head + r * (THUMB + 18);
      parts.push({ input: label(`${week} GW ${plane}`, THUMB), left, top });
      parts.push({ input: await sectionThumb(week, plane, position), left, top: top + 18 });
    }
  }
  const tiles = await regionTiles();
  const order = REGION_ACRONYMS.filter((a) => tiles.has(a));
  const cols = 6;
  const x0 = planes.length * THUMB + 10;
  order.forEach((acronym, k) => {
    const left = x0 + (k % cols) * (TILE + 4);
    const top = head + Math.floor(k / cols) * (TILE + 18);
    parts.push({ input: label(acronym, TILE, 16), left, top });
    parts.push({ input: tiles.get(acronym)!, left, top: top + 16 });
  });
  const width = x0 + cols * (TILE + 4);
  const height = Math.max(head + weeks.length * (THUMB + 18), head + Math.ceil(order.length / cols) * (TILE + 18)) + 4;
  parts.push({
    input: label(
      `CytoCLIP synthetic fetal NISSL atlas, generator ${GENERATOR_VERSION}: sections at 4 µm/px (left), region tiles at 1 µm/px (right)`,
      width,
      20,
    ),
    left: 0,
    top: 0,
  });
  const out = join(root, 'docs', 'atlas-contact-sheet.png');
  await mkdir(dirname(out), { recursive: true });
  const raw = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite(parts)
    .png()
    .toBuffer();
  // Kept in the repository under 400 KB: fewer palette colours, then a smaller sheet, until it fits.
  const attempts = [
    [1, 32],
    [1, 24],
    [0.85, 32],
    [0.85, 24],
    [0.75, 24],
    [0.75, 16],
  ] as const;
  for (const [scale, colours] of attempts) {
    const encoded = await sharp(raw)
      .resize(Math.round(width * scale))
      .png({ palette: true, colours, dither: 0, compressionLevel: 9, effort: 10 })
      .toBuffer();
    await writeFile(out, encoded);
    if (encoded.length < 400 * 1024) break;
  }
  return out;
}

interface ColourStats {
  image: string;
  tissueFraction: number;
  tissueMeanRgb: number[];
  tissueP5Rgb: number[];
  glassMeanRgb: number[];
}

/** Tissue = pixels darker than 215 grey (the same rule for real and synthetic images). */
async function colourStats(name: string, input: Sharp): Promise<ColourStats> {
  const { data, info } = await input.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const tissue: number[][] = [[], [], []];
  const glass = [0, 0, 0];
  let glassN = 0;
  for (let k = 0; k < info.width * info.height; k++) {
    const r = data[k * 3]!;
    const g = data[k * 3 + 1]!;
    const b = data[k * 3 + 2]!;
    if ((r + g + b) / 3 < 215) [r, g, b].forEach((v, c) => tissue[c]!.push(v));
    else [r, g, b].forEach((v, c) => ((glass[c]! += v), (glassN += c === 0 ? 1 : 0)));
  }
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
  const p5 = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length * 0.05)] ?? 0;
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    image: name,
    tissueFraction: round((tissue[0]!.length / (info.width * info.height)) * 100) / 100,
    tissueMeanRgb: tissue.map((a) => round(mean(a))),
    tissueP5Rgb: tissue.map((a) => p5(a)),
    glassMeanRgb: glass.map((v) => round(v / Math.max(1, glassN))),
  };
}

async function referenceComparison(): Promise<string | null> {
  const shared = process.env.CYTOCLIP_SHARED_DIR ?? join(root, '..', 'shared');
  const ref = join(shared, 'reference');
  if (!existsSync(join(ref, 'fetal-nissl-dharani'))) {
    console.error(`[atlas:sheet] ${ref} not found: skipping the side-by-side with real NISSL images`);
    return null;
  }
  const pairs: { real: string; synthetic: () => Promise<Buffer>; what: string }[] = [];
  for (const [gw, pcwNote] of [
    [14, ''],
    [17, ''],
    [21, ''],
    [24, ''],
  ] as const) {
    pairs.push({
      what: `whole mid-sagittal section ${gw} GW${pcwNote}`,
      real: join(ref, 'fetal-nissl-dharani', 'crops', `dharani_${gw}GW_nissl_midsagittal.png`),
      synthetic: async () => {
        const s = planSection({
          gestationalWeek: gw,
          plane: 'sagittal',
          position: 0.45,
          micronsPerPixel: 12,
          lengthMm: 12,
          seed: gw,
          specimenSeed: gw,
        });
        return (await png(s, renderWhole(s))).png().toBuffer();
      },
    });
  }
  for (const [file, gw] of [
    ['test_imageS4cropped.jpg', 13],
    ['Croppedtest_imageS5.jpg', 14],
  ] as const) {
    pairs.push({
      what: `cellular tile ${gw} GW (cortical wall)`,
      real: join(ref, 'fetal-nissl-tiles-mitra', file),
      synthetic: async () => {
        // The dorsal cortical wall at true size, from the pia down, 0.5 x 0.25 mm like the reference tiles.
        const brain = new FetalBrain(gw, 1);
        const top = -(brain.cz + brain.az) + 0.1;
        const s = planSection({
          gestationalWeek: gw,
          plane: 'coronal',
          position: 0.5,
          micronsPerPixel: 0.5,
          labelStep: 4,
          seed: gw,
          windowMm: [brain.cx - 0.25, top, brain.cx + 0.25, top + 0.25],
          nuisances: NO_NUISANCES,
        });
        return (await png(s, renderWhole(s))).png().toBuffer();
      },
    });
  }
  const stats: { what: string; real: ColourStats; synthetic: ColourStats }[] = [];
  const rows: OverlayOptions[] = [];
  const H = 240;
  let top = 0;
  for (const p of pairs) {
    const synthetic = await p.synthetic();
    stats.push({
      what: p.what,
      real: await colourStats(p.real.split('/').pop()!, sharp(p.real)),
      synthetic: await colourStats('synthetic', sharp(synthetic)),
    });
    rows.push({
      input: await sharp(p.real).resize({ height: H, width: 480, fit: 'contain', background: '#fff' }).png().toBuffer(),
      left: 0,
      top,
    });
    rows.push({
      input: await sharp(synthetic)
        .resize({ height: H, width: 480, fit: 'contain', background: '#fff' })
        .png()
        .toBuffer(),
      left: 490,
      top,
    });
    top += H + 10;
  }
  const dir = join(resolve(process.env.DATA_DIR ?? join(root, 'data')), 'atlas-reference');
  await mkdir(dir, { recursive: true });
  await sharp({ create: { width: 970, height: top, channels: 3, background: '#fff' } })
    .composite(rows)
    .png()
    .toFile(join(dir, 'side-by-side.png'));
  await writeFile(
    join(dir, 'colour-stats.json'),
    `${JSON.stringify({ generatorVersion: GENERATOR_VERSION, pairs: stats }, null, 2)}\n`,
  );
  return dir;
}

const sheet = await contactSheet();
const size = (await readFile(sheet)).length;
console.log(`[atlas:sheet] ${sheet} (${Math.round(size / 1024)} KB)`);
const compared = await referenceComparison();
if (compared) console.log(`[atlas:sheet] ${compared}/side-by-side.png and colour-stats.json (local, not committed)`);
