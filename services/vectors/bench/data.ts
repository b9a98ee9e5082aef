import { uuidV5, type Plane, type SearchFilter } from '@cytoclip/domain';
import { mulberry32 as mulberry, type PointPayload, type VectorPoint } from '@cytoclip/vectors';

/**
 * Synthetic embeddings clustered like real ones: 400 unit centres (50 per region), each point its region's centre
 * plus noise (cosine ≈ 0.8 to its centre), normalised. Metadata as an ingest writes it: 20 specimens (weeks 12–40.5)
 * × 3 planes × 10 sections, each section's points consecutive. Everything derives from (seed, row), so chunks can
 * be regenerated for the exact ground truth without holding all vectors.
 */
export const SPECIMENS = 20;
const PLANES: Plane[] = ['coronal', 'sagittal', 'axial'];
const SECTIONS_PER_PLANE = 10;
const CENTRES = 400;
const REGIONS: [string, string[]][] = [
  ['CP', ['Tel', 'Pal', 'CP']],
  ['SP', ['Tel', 'Pal', 'SP']],
  ['IZ', ['Tel', 'Pal', 'IZ']],
  ['VZ', ['Tel', 'Pal', 'VZ']],
  ['GE', ['Tel', 'GE']],
  ['Th', ['Die', 'Th']],
  ['Hy', ['Die', 'Hy']],
  ['Cb', ['Rh', 'Cb']],
];
const NOISE = 0.75;

export function weekOf(specimen: number): number {
  return 12 + specimen * 1.5;
}

export const FILTERS: Record<'unfiltered' | 'selective' | 'broad', SearchFilter> = {
  unfiltered: {},
  /** One specimen of 20 and one plane: 1/60 ≈ 1.7% of points. */
  selective: { specimens: ['S07'], planes: ['coronal'] },
  /** Half the specimens' weeks (12–25.5). */
  broad: { gestationalWeek: { gte: 12, lte: 26 } },
};

export class Synthetic {
  private readonly centres: Float32Array;

  constructor(
    readonly total: number,
    readonly dim: number,
    private readonly seed = 1,
  ) {
    const random = mulberry(seed);
    this.centres = new Float32Array(CENTRES * dim);
    for (let c = 0; c < CENTRES; c++) this.noisy(this.centres, c * dim, null, 1, random);
  }

  /** A point near centre `c` written into out[at…]; with no centre, a random unit vector. */
  private noisy(out: Float32Array, at: number, centre: number | null, scale: number, random: () => number): void {
    const d = this.dim;
    const amplitude = (scale * Math.sqrt(12)) / Math.sqrt(d);
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const base = centre === null ? 0 : this.centres[centre * d + j]!;
      const v = base + (random() - 0.5) * amplitude;
      out[at + j] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < d; j++) out[at + j]! *= inv;
  }

  payload(row: number): PointPayload {
    const perSection = Math.ceil(this.total / (SPECIMENS * PLANES.length * SECTIONS_PER_PLANE));
    const section = Math.floor(row / perSection);
    const specimen = Math.floor(section / (PLANES.length * SECTIONS_PER_PLANE));
    const plane = PLANES[Math.floor(section / SECTIONS_PER_PLANE) % PLANES.length]!;
    const [region, regionPath] = REGIONS[(row * 7919) % REGIONS.length]!;
    const id = `S${String(specimen).padStart(2, '0')}`;
    return {
      kind: 'tile',
      atlas: 'bench',
      specimen: id,
      section: `${id}-${plane.slice(0, 3)}-${String(section).padStart(4, '0')}`,
      plane,
      gestationalWeek: weekOf(specimen),
      region,
      regionPath,
    };
  }

  static id(row: number): string {
    return uuidV5(`bench/${row}`);
  }

  /** Vectors of rows [start, end): each from a fixed per-chunk seed, so any chunk can be regenerated alone. */
  vectors(start: number, end: number): Float32Array {
    const out = new Float32Array((end - start) * this.dim);
    for (let row = start; row < end; row++) {
      const random = mulberry(this.seed * 1_000_003 + row);
      const region = (row * 7919) % REGIONS.length;
      const centre = region * (CENTRES / REGIONS.length) + Math.floor(random() * (CENTRES / REGIONS.length));
      this.noisy(out, (row - start) * this.dim, centre, NOISE, random);
    }
    return out;
  }

  points(start: number, end: number): VectorPoint[] {
    const vectors = this.vectors(start, end);
    return Array.from({ length: end - start }, (_, i) => ({
      id: Synthetic.id(start + i),
      vector: vectors.subarray(i * this.dim, (i + 1) * this.dim),
      payload: this.payload(start + i),
    }));
  }

  /** Queries from the same distribution, not in the collection. */
  queries(count: number): Float32Array[] {
    const random = mulberry(this.seed + 777);
    return Array.from({ length: count }, () => {
      const q = new Float32Array(this.dim);
      this.noisy(q, 0, Math.floor(random() * CENTRES), NOISE, random);
      return q;
    });
  }
}
