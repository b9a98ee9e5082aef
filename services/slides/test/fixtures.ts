import sharp from 'sharp';
import { rawImage, type RawImage } from '@cytoclip/slides';

/** Colour of the 64-px block at level-0 (x, y): distinct, far apart, so JPEG noise cannot confuse neighbours. */
export function blockColour(x: number, y: number): [number, number, number] {
  const bx = Math.floor(x / 64);
  const by = Math.floor(y / 64);
  return [40 + ((bx * 37) % 5) * 40, 40 + ((by * 53) % 5) * 40, 40 + (((bx + by) * 29) % 5) * 40];
}

export function blocks(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(blockColour(x, y), (y * width + x) * 3);
  return rawImage(data, width, height);
}

export function sharpOf(raw: RawImage): sharp.Sharp {
  return sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 3 } });
}

export function pixel(raw: RawImage, x: number, y: number): [number, number, number] {
  const i = (y * raw.width + x) * 3;
  return [raw.data[i]!, raw.data[i + 1]!, raw.data[i + 2]!];
}

export function near(a: number[], b: number[], tolerance = 12): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);
}

export const TEST_ONTOLOGY = {
  format: 'cytoclip-ontology/1' as const,
  regions: [
    { id: 1, acronym: 'Tel', name: 'telencephalon', parent: null, description: 'The forebrain.', color: '#888888' },
    {
      id: 2,
      acronym: 'CP',
      name: 'cortical plate',
      parent: 'Tel',
      description: 'Densely packed radial columns of small neurons.',
      color: '#aa3333',
    },
    {
      id: 3,
      acronym: 'SP',
      name: 'subplate',
      parent: 'Tel',
      description: 'Sparse large neurons in a wide fibre-rich zone.',
      color: '#33aa33',
    },
    {
      id: 4,
      acronym: 'VZ',
      name: 'ventricular zone',
      parent: 'Tel',
      description: 'Tightly packed elongated progenitors along the ventricle.',
      color: '#3333aa',
    },
  ],
};

export function rect(x0: number, y0: number, x1: number, y1: number): number[][] {
  return [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
    [x0, y0],
  ];
}

export function feature(region: string, rings: number[][][], qupath = true): object {
  const properties = qupath
    ? { objectType: 'annotation', classification: { name: region, color: [255, 0, 0] } }
    : { region };
  return { type: 'Feature', geometry: { type: 'Polygon', coordinates: rings }, properties };
}

/**
 * A hand-drawn section, 1200×800 px: tissue [100,1100)×[100,700) on glass; CP on its left half, SP on its right
 * half with a square hole [800,1000)×[300,500) that VZ fills. Colours differ per region so crops can be checked.
 */
export const HAND = {
  width: 1200,
  height: 800,
  geojson: {
    type: 'FeatureCollection',
    features: [
      feature('CP', [rect(100, 100, 600, 700)]),
      feature('SP', [rect(600, 100, 1100, 700), rect(800, 300, 1000, 500)], false),
      feature('VZ', [rect(800, 300, 1000, 500)]),
    ],
  },
  colour(x: number, y: number): [number, number, number] {
    if (x < 100 || x >= 1100 || y < 100 || y >= 700) return [250, 250, 252];
    if (x < 600) return [120, 90, 180];
    if (x >= 800 && x < 1000 && y >= 300 && y < 500) return [60, 40, 140];
    return [170, 150, 210];
  },
  image(): RawImage {
    const data = new Uint8Array(this.width * this.height * 3);
    for (let y = 0; y < this.height; y++)
      for (let x = 0; x < this.width; x++) data.set(this.colour(x, y), (y * this.width + x) * 3);
    return rawImage(data, this.width, this.height);
  },
};
