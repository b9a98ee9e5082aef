import { DEFAULT_TILE_GRID, regionImageId, tileId, type AtlasManifest, type OntologyRegion } from '@cytoclip/domain';
import type { OutboxPoint, SectionInput, SectionResult, TileInput } from '@cytoclip/catalog';

export const ONTOLOGY: OntologyRegion[] = [
  { id: 1, acronym: 'Br', name: 'brain', parent: null, description: 'the whole brain', color: '#cccccc' },
  { id: 2, acronym: 'Tel', name: 'telencephalon', parent: 'Br', description: 'forebrain', color: '#aaaaaa' },
  {
    id: 3,
    acronym: 'CP',
    name: 'cortical plate',
    parent: 'Tel',
    description: 'dense radial columns of young neurons',
    color: '#ff0000',
  },
  {
    id: 4,
    acronym: 'SP',
    name: 'subplate',
    parent: 'Tel',
    description: 'sparse cells in a wide fibre-rich zone',
    color: '#00ff00',
  },
  { id: 5, acronym: 'Th', name: 'thalamus', parent: 'Br', description: 'clustered nuclei', color: '#0000ff' },
];

export function manifest(name = 'demo'): AtlasManifest {
  return {
    format: 'cytoclip-atlas/1',
    name,
    ontology: 'ontology.json',
    specimens: [
      { id: 'S01', gestationalWeek: 21, notes: '' },
      { id: 'S02', gestationalWeek: 16.5, ageSource: 'pcw 14.5' },
    ],
    sections: [0, 1, 2].map((i) => ({
      id: `S01-cor-${i}`,
      specimen: 'S01',
      plane: 'coronal' as const,
      index: i,
      stain: 'nissl',
      image: `sections/S01-cor-${i}.tif`,
      micronsPerPixel: 1,
      annotations: `sections/S01-cor-${i}.geojson`,
    })),
  };
}

export function section(atlas: string, id: string, specimen = 'S01'): SectionInput {
  return {
    atlas,
    id,
    specimen,
    plane: 'coronal',
    index: 0,
    stain: 'nissl',
    micronsPerPixel: 1,
    width: 896,
    height: 672,
    levels: 3,
    imagePath: `sections/${atlas}/${id}.tif`,
  };
}

export function tilesOf(atlas: string, sectionId: string, count: number): TileInput[] {
  return Array.from({ length: count }, (_, i) => {
    const x = (i % 100) * 224;
    const y = Math.floor(i / 100) * 224;
    return {
      id: tileId(atlas, sectionId, DEFAULT_TILE_GRID, x, y),
      atlas,
      section: sectionId,
      x,
      y,
      size: 224,
      level0Size: 224,
      micronsPerPixel: 1,
      region: i % 3 === 0 ? 'CP' : i % 3 === 1 ? 'SP' : null,
      regionFraction: 0.75,
      tissueFraction: 0.5,
    };
  });
}

export function vector(seed: number, dim = 8): Float32Array {
  return Float32Array.from({ length: dim }, (_, i) => Math.sin(seed * 13 + i));
}

/** What one section's job commits: two tiles, one region image, a point each in one collection. */
export function sectionResult(atlas: string, sectionId: string): SectionResult {
  const tiles = tilesOf(atlas, sectionId, 2);
  const regionImages = [
    {
      id: regionImageId(atlas, sectionId, 'CP'),
      atlas,
      section: sectionId,
      region: 'CP',
      x: 0,
      y: 0,
      width: 448,
      height: 224,
      area: 80000,
      imagePath: null,
    },
  ];
  const points: OutboxPoint[] = [...tiles.map((t) => t.id), regionImages[0]!.id].map((pointId, i) => ({
    collection: 'mini_1',
    pointId,
    atlas,
    payload: { section: sectionId, regions: ['Br', 'Tel', 'CP'] },
    vector: vector(i),
  }));
  return {
    section: section(atlas, sectionId),
    annotations: [
      {
        region: 'CP',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [0, 0],
              [448, 0],
              [448, 224],
              [0, 0],
            ],
          ],
        },
      },
    ],
    tiles,
    regionImages,
    points,
  };
}
