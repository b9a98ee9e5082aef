/**
 * Age profiles of the fetal brain, gestational weeks -> millimetres at true size. Values follow the shape of the
 * published fetal growth curves (fronto-occipital diameter) and zone-thickness series of the human cortical wall
 * (Kostović, Rakic, Smart): the subplate peaks at 22–28 GW, the ventricular zone thins, the EGL appears and thickens.
 */
type Table = ReadonlyArray<readonly [week: number, value: number]>;

export function interpolate(table: Table, week: number): number {
  const first = table[0]!;
  if (week <= first[0]) return first[1];
  for (let i = 1; i < table.length; i++) {
    const [w1, v1] = table[i]!;
    const [w0, v0] = table[i - 1]!;
    if (week <= w1) return v0 + ((v1 - v0) * (week - w0)) / (w1 - w0);
  }
  return table[table.length - 1]![1];
}

/** Fronto-occipital length of the cerebrum (mm). */
export const FRONTO_OCCIPITAL: Table = [
  [13, 25],
  [16, 38],
  [20, 55],
  [24, 68],
  [28, 80],
  [32, 90],
  [36, 100],
  [40, 110],
];

/** Cortical wall zones from the pia inward, and their true thickness (mm) by week. */
export const WALL_ZONES = ['MZ', 'CP', 'SP', 'IZ', 'OSVZ', 'ISVZ', 'VZ'] as const;
export type WallZone = (typeof WALL_ZONES)[number];

export const ZONE_THICKNESS: Record<WallZone, Table> = {
  MZ: [
    [13, 0.05],
    [16, 0.1],
    [20, 0.12],
    [28, 0.12],
    [32, 0.15],
    [40, 0.2],
  ],
  CP: [
    [13, 0.2],
    [16, 0.4],
    [20, 0.6],
    [24, 0.9],
    [28, 1.3],
    [32, 1.8],
    [36, 2.2],
    [40, 2.5],
  ],
  SP: [
    [13, 0.15],
    [16, 0.6],
    [20, 1.5],
    [24, 2.2],
    [26, 2.3],
    [28, 2.0],
    [32, 1.0],
    [36, 0.4],
    [40, 0.2],
  ],
  IZ: [
    [13, 0.4],
    [16, 0.7],
    [20, 1.1],
    [24, 1.4],
    [28, 1.8],
    [32, 2.4],
    [36, 3.2],
    [40, 4.0],
  ],
  OSVZ: [
    [13, 0.1],
    [16, 0.5],
    [20, 0.8],
    [24, 0.7],
    [28, 0.5],
    [32, 0.3],
    [36, 0.15],
    [40, 0.05],
  ],
  ISVZ: [
    [13, 0.15],
    [16, 0.2],
    [20, 0.2],
    [24, 0.15],
    [28, 0.1],
    [32, 0.05],
    [36, 0.02],
    [40, 0.01],
  ],
  VZ: [
    [13, 0.35],
    [16, 0.3],
    [20, 0.2],
    [24, 0.12],
    [28, 0.06],
    [32, 0.03],
    [36, 0.01],
    [40, 0.01],
  ],
};

/** Cerebellar cortex layers from the pia inward (mm); the EGL appears at ~15 GW, the IGL at ~20 GW. */
export const CB_LAYERS = ['EGL', 'CbML', 'PCL', 'IGL'] as const;
export type CbLayer = (typeof CB_LAYERS)[number];
export const CB_THICKNESS: Record<CbLayer, Table> = {
  EGL: [
    [13, 0],
    [14.5, 0],
    [15, 0.015],
    [20, 0.035],
    [30, 0.06],
    [40, 0.075],
  ],
  CbML: [
    [13, 0],
    [18, 0],
    [19, 0.01],
    [24, 0.04],
    [32, 0.1],
    [40, 0.15],
  ],
  PCL: [
    [13, 0],
    [18, 0],
    [19, 0.02],
    [28, 0.04],
    [40, 0.05],
  ],
  IGL: [
    [13, 0],
    [19, 0],
    [20, 0.03],
    [24, 0.1],
    [32, 0.25],
    [40, 0.35],
  ],
};

/** Ganglionic eminence size relative to 13 GW: they regress by ~34–36 GW. */
export const GE_SIZE: Table = [
  [13, 1],
  [20, 0.8],
  [26, 0.5],
  [32, 0.2],
  [35, 0.06],
  [36, 0],
];
/** Lateral ventricle width relative to 13 GW. */
export const VENTRICLE_WIDTH: Table = [
  [13, 1],
  [20, 0.75],
  [24, 0.6],
  [30, 0.45],
  [40, 0.3],
];
/** Depth of sulci as a fraction of the hemisphere radius: gyrification begins ~24 GW. */
export const SULCUS_DEPTH: Table = [
  [13, 0],
  [23, 0],
  [26, 0.03],
  [30, 0.07],
  [34, 0.1],
  [40, 0.13],
];
/** Spatial frequency of the sulcal pattern: more, smaller gyri with age. */
export const SULCUS_FREQUENCY: Table = [
  [13, 3],
  [26, 3],
  [32, 4.5],
  [40, 6],
];
/** Depth of the lateral (Sylvian) depression over the insula. */
export const SYLVIAN_DEPTH: Table = [
  [13, 0],
  [16, 0.03],
  [24, 0.08],
  [30, 0.14],
  [40, 0.18],
];
/** Cerebellar size relative to the cerebrum (grows fastest late in gestation). */
export const CEREBELLUM_SIZE: Table = [
  [13, 0.65],
  [20, 0.8],
  [30, 1.0],
  [40, 1.1],
];
/** Depth of cerebellar folia, fraction of its radius. */
export const FOLIA_DEPTH: Table = [
  [13, 0],
  [16, 0.02],
  [24, 0.06],
  [32, 0.09],
  [40, 0.1],
];
/** Corpus callosum length relative to its final length. */
export const CALLOSUM_LENGTH: Table = [
  [13, 0.35],
  [16, 0.7],
  [20, 1.0],
  [40, 1.0],
];

/** True thickness (mm) of every wall zone at `week`. */
export function wallProfile(week: number): Record<WallZone, number> {
  const out = {} as Record<WallZone, number>;
  for (const zone of WALL_ZONES) out[zone] = interpolate(ZONE_THICKNESS[zone], week);
  return out;
}
