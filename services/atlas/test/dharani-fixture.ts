import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

/**
 * A tiny copy of the DHARANI bucket in its published layout, written by the tests (no real data in the repo):
 * specimen 1 (sagittal) with annotated sections 10 and 16 at 1 µm/px, unannotated section 13 at 4 µm/px, a
 * `_geo.tif` companion and a listing CSV; specimen 4 (coronal) with annotated section 40 and no listing.
 */
export const FIXTURE = {
  width: 768,
  height: 512,
  /** The stained tissue: [x0, y0, x1, y1] in level-0 pixels. */
  tissue: [64, 64, 704, 448] as const,
  /** CP-FCTx covers the tissue's upper half in two features; SP-FCTx the lower half as one bow-tie ring. */
  split: 256,
};

const GLASS = [243, 243, 248];
const STAIN = [150, 105, 185];

/** Glass with a NISSL-purple block of tissue sprinkled with dark somata (deterministic). */
function tissueRaw(width: number, height: number, box: readonly number[]): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const inside = x >= box[0]! && x < box[2]! && y >= box[1]! && y < box[3]!;
      const dark = inside && next() < 0.08 ? 0.45 : 1;
      const colour = inside ? STAIN : GLASS;
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.round(colour[c]! * dark);
    }
  return data;
}

export async function pyramidTiff(path: string, width: number, height: number, box: readonly number[]) {
  await sharp(tissueRaw(width, height, box), { raw: { width, height, channels: 3 } })
    .tiff({ tile: true, tileWidth: 128, tileHeight: 128, pyramid: true, compression: 'jpeg', quality: 90 })
    .toFile(path);
}

/** DHARANI draws in level-0 pixels with y negated. */
const flip = (ring: number[][]) => ring.map(([x, y]) => [x!, -y!]);
const rect = (x0: number, y0: number, x1: number, y1: number) =>
  flip([
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
    [x0, y0],
  ]);

const feature = (id: number | string, type: string, coordinates: unknown) => ({
  type: 'Feature',
  geometry: { type, coordinates },
  properties: { data: { id, name: String(id) } },
});

/** Section 10: two CP features (number id), a bow-tie SP (string id), a MultiPolygon and a 3-point ring to skip. */
export function section10() {
  const [x0, y0, x1, y1] = FIXTURE.tissue;
  const mid = FIXTURE.split;
  return {
    type: 'FeatureCollection',
    features: [
      feature(301, 'Polygon', [rect(x0, y0, 384, mid)]),
      feature(301, 'Polygon', [rect(384, y0, x1, mid)]),
      feature('302', 'Polygon', [
        flip([
          [x0, mid],
          [x1, y1],
          [x1, mid],
          [x0, y1],
          [x0, mid],
        ]),
      ]),
      feature(400, 'MultiPolygon', [[rect(0, 0, 32, 32)], [rect(40, 0, 60, 20)]]),
      feature(303, 'Polygon', [
        flip([
          [0, 0],
          [10, 10],
          [0, 0],
        ]),
      ]),
    ],
  };
}

/** A section whose tissue is all cortical plate. */
export function wholeCp(id: number | string = 301) {
  const [x0, y0, x1, y1] = FIXTURE.tissue;
  return { type: 'FeatureCollection', features: [feature(id, 'Polygon', [rect(x0, y0, x1, y1)])] };
}

export function ontologyEnvelope() {
  const node = (id: number, acronym: string, name: string, color: string, children: unknown[] = []) => ({
    id,
    acronym,
    name,
    color_hex_triplet: color,
    children,
  });
  return {
    msg: [
      {
        children: [
          node(100, 'Br', 'brain', 'AAAAAA', [
            node(200, 'CTX', 'cerebral cortex', 'B0B0B0', [
              node(301, 'CP-FCTx', 'cortical plate of the frontal cortex', 'FF0000'),
              node(302, 'SP-FCTx', 'subplate of the frontal cortex', '00ff00'),
              node(303, 'VZ-FCTx', 'ventricular zone of the frontal cortex', 'FF'),
            ]),
            node(400, 'TH', 'thalamus', '123456'),
            node(401, 'TH', 'thalamus (second entry)', '654321'),
          ]),
        ],
      },
    ],
  };
}

const VIEWER = 'https://brainportal.humanbrain.in/code/2dviewer/annotation/public?data=0&region=-1';
const BUCKET = 'https://dharani-fetal-brain-atlas.s3.us-west-2.amazonaws.com';

/** The listing as published: a space after each comma of the header only; section 19 listed but not downloaded. */
function listing(): string {
  const row = (s: number, mpp: number, edge: number, annotated: boolean) =>
    [
      s,
      `data2d/specimen_1/Specimen_1_${s}.tif`,
      'tif',
      mpp,
      edge === 1 ? FIXTURE.width : FIXTURE.width / 4,
      edge === 1 ? FIXTURE.height : FIXTURE.height / 4,
      annotated ? `${BUCKET}/data2d/specimen_1/Specimen_1_${s}.json` : '',
      annotated ? 'geojson' : '',
      `${VIEWER}&section=${s}${annotated ? '' : '&type=hd'}`,
    ].join(',');
  return [
    'section_number, image_url, image_format, image_resolution_mpp, image_width, image_height, atlas_url, atlas_format, viewer_url',
    row(10, 1, 1, true),
    row(13, 4, 4, false),
    row(16, 1, 1, true),
    row(19, 4, 4, false),
    '',
  ].join('\n');
}

export async function writeJson(path: string, value: unknown) {
  await writeFile(path, JSON.stringify(value));
}

/** Writes the bucket copy under `parent` (a fresh temporary folder by default) and returns its path. */
export async function dharaniBucket(parent?: string): Promise<string> {
  const root = join(parent ?? (await mkdtemp(join(tmpdir(), 'cytoclip-dharani-'))), 'bucket');
  const s1 = join(root, 'data2d/specimen_1');
  const s4 = join(root, 'data2d/specimen_4');
  await Promise.all(
    [s1, s4, join(root, 'ontology'), join(root, 'directory-listings')].map((d) => mkdir(d, { recursive: true })),
  );
  const { width, height, tissue } = FIXTURE;
  const quarter = tissue.map((v) => v / 4);
  await Promise.all([
    pyramidTiff(join(s1, 'Specimen_1_10.tif'), width, height, tissue),
    pyramidTiff(join(s1, 'Specimen_1_10_geo.tif'), width / 4, height / 4, quarter),
    pyramidTiff(join(s1, 'Specimen_1_13.tif'), width / 4, height / 4, quarter),
    pyramidTiff(join(s1, 'Specimen_1_16.tif'), width, height, tissue),
    pyramidTiff(join(s4, 'Specimen_4_40.tif'), width, height, tissue),
    writeJson(join(s1, 'Specimen_1_10.json'), section10()),
    writeJson(join(s1, 'Specimen_1_16.json'), wholeCp(' 301 ')),
    writeJson(join(s4, 'Specimen_4_40.json'), wholeCp('301')),
    writeJson(join(root, 'ontology/ontology.json'), ontologyEnvelope()),
    writeFile(join(root, 'directory-listings/Dharani_Specimen_1.csv'), listing()),
  ]);
  return root;
}
