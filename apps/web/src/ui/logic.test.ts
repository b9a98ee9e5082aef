import { describe, expect, it } from 'vitest';
import { geoJsonBySection, resultsToCsv, resultsToGeoJson } from './export.js';
import { imageProblem, MAX_IMAGE_BYTES } from './image-input.js';
import { readClassification, readHeatmap, readRegionTree, readSection, readTrajectory } from './answers.js';
import { filterOf, parseState, queryOf, serializeState, EMPTY_STATE } from './state.js';
import { countWords } from './relevance.js';
import { gapWeeks, runs, weekRanges, weekTicks } from './trajectory.js';
import type { SearchResult } from './types.js';

const result = (over: Partial<SearchResult> = {}): SearchResult => ({
  id: '11111111-1111-5111-8111-111111111111',
  score: 0.8312,
  kind: 'tile',
  region: { acronym: 'CP', name: 'cortical plate', path: ['Tel', 'Pal', 'CP'] },
  atlas: 'demo-fetal-nissl',
  specimen: 'S01',
  gestationalWeek: 21,
  plane: 'coronal',
  section: 'S01-cor-0040',
  bbox: [448, 224, 224, 224],
  imageUrl: '/v1/tiles/1/image',
  ...over,
});

describe('URL state', () => {
  it('round-trips every field so a search can be shared', () => {
    const state = {
      ...EMPTY_STATE,
      text: 'dense granular',
      target: 'regions' as const,
      weeks: [18, 24] as [number, number],
      planes: ['coronal' as const],
      specimens: ['S01', 'S02'],
      atlases: ['demo'],
      regions: ['CP'],
      page: 3,
      view: 'groups' as const,
      open: 'abc',
    };
    expect(parseState(serializeState(state))).toEqual(state);
  });
  it('ignores junk: unknown planes, bad pages and week ranges', () => {
    const s = parseState('?plane=oblique&plane=axial&page=-2&gw=abc');
    expect(s.planes).toEqual(['axial']);
    expect(s.page).toBe(1);
    expect(s.weeks).toBeNull();
    expect(parseState('?gw=24-18').weeks).toEqual([18, 24]);
  });
  it('builds the API filter and query; find-similar wins over text', () => {
    const s = parseState('?q=cortex&gw=18-24&plane=coronal&region=CP');
    expect(filterOf(s)).toEqual({ gestationalWeek: { gte: 18, lte: 24 }, planes: ['coronal'], regions: ['CP'] });
    expect(queryOf(s)).toEqual({ text: 'cortex' });
    expect(queryOf({ ...s, similar: 'id-1' })).toEqual({ tileId: 'id-1' });
    expect(queryOf({ ...s, similar: 'id-1', target: 'regions' })).toEqual({ regionImageId: 'id-1' });
    expect(queryOf({ ...s, text: '   ' })).toBeNull();
  });
});

describe('export', () => {
  it('writes one CSV row per result with the box and rank, quoting what needs it', () => {
    const csv = resultsToCsv(
      [result(), result({ id: 'b', score: 0.5, region: { acronym: 'SP', name: 'sub, "plate"', path: ['SP'] } })],
      25,
      'http://atlas.example:8080',
    );
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      'rank,id,score,kind,region,regionName,specimen,gestationalWeek,plane,section,x,y,width,height,imageUrl',
    );
    expect(lines[1]).toBe(
      '25,11111111-1111-5111-8111-111111111111,0.831200,tile,CP,cortical plate,S01,21,coronal,S01-cor-0040,448,224,224,224,http://atlas.example:8080/v1/tiles/1/image',
    );
    expect(lines[2]).toContain('"sub, ""plate"""');
  });
  it('defuses spreadsheet formulas', () => {
    expect(resultsToCsv([result({ specimen: '=HYPERLINK("x")' })])).toContain(`"'=HYPERLINK(""x"")"`);
  });
  it('writes closed QuPath polygons in level-0 pixels with scores', () => {
    const fc = resultsToGeoJson([result()], 'cortex');
    const f = fc.features[0]!;
    expect(f.geometry.coordinates[0]).toEqual([
      [448, 224],
      [672, 224],
      [672, 448],
      [448, 448],
      [448, 224],
    ]);
    expect(f.properties).toMatchObject({
      objectType: 'annotation',
      classification: { name: 'CP', color: [128, 128, 128] },
      score: 0.8312,
      section: 'S01-cor-0040',
    });
  });
  it("colours each class with its region's ontology colour and ranks from the first result given", () => {
    const colors = new Map([
      ['CP', '#1f77b4'],
      ['SP', 'f80'],
    ]);
    const sp = result({ id: 'b', region: { acronym: 'SP', name: 'subplate', path: ['SP'] } });
    const fc = resultsToGeoJson([result(), sp], 'cortex', colors, 41);
    expect(fc.features.map((f) => f.properties.classification)).toEqual([
      { name: 'CP', color: [31, 119, 180] },
      { name: 'SP', color: [255, 136, 0] },
    ]);
    expect(fc.features.map((f) => f.properties.rank)).toEqual([41, 42]);
  });
  it('splits GeoJSON by section, each feature keeping its overall rank', () => {
    const other = result({ id: 'c', section: 'S02-sag-0003' });
    const split = geoJsonBySection([result(), other, result({ id: 'd' })], 'q');
    expect([...split.keys()]).toEqual(['S01-cor-0040', 'S02-sag-0003']);
    expect(split.get('S01-cor-0040')!.features.map((f) => f.properties.rank)).toEqual([1, 3]);
    expect(split.get('S02-sag-0003')!.features.map((f) => f.id)).toEqual(['c']);
  });
});

describe('image input', () => {
  it('accepts the formats the server decodes, by MIME type or extension', () => {
    expect(imageProblem({ name: 'a.png', type: 'image/png', size: 10 })).toBeNull();
    expect(imageProblem({ name: 'a.TIF', type: '', size: 10 })).toBeNull();
  });
  it('names the problem: wrong type, too large, empty', () => {
    expect(imageProblem({ name: 'notes.pdf', type: 'application/pdf', size: 10 })).toMatch(
      /not an image.*PNG, JPEG, TIFF or WebP/,
    );
    expect(imageProblem({ name: 'big.png', type: 'image/png', size: MAX_IMAGE_BYTES + 1 })).toMatch(/limit is 12 MB/);
    expect(imageProblem({ name: 'e.png', type: 'image/png', size: 0 })).toMatch(/empty/);
  });
});

describe('API answers', () => {
  const classified = (extra: object = {}) => ({
    model: 'm@1',
    target: 'tiles' as const,
    zeroShot: [
      { region: { acronym: 'CP', name: 'cortical plate' }, score: 0.7 },
      { region: { acronym: 'SP', name: 'subplate' }, score: 0.2 },
    ],
    temperature: { value: 1, calibrated: false },
    vote: [{ region: { acronym: 'CP', name: 'cp' }, share: 1, count: 4 }],
    neighbours: 4,
    tookMs: 3,
    modelCard: null,
    notice: null,
    ...extra,
  });
  it('reads the region tree with each node knowing its parent', () => {
    const tree = readRegionTree({
      regions: [
        {
          acronym: 'Tel',
          name: 'telencephalon',
          color: '#888',
          description: '',
          children: [{ acronym: 'CP', name: 'cortical plate', color: '#f00', description: '', children: [] }],
        },
      ],
    });
    expect(tree.map((n) => [n.acronym, n.parent])).toEqual([['Tel', null]]);
    expect(tree[0]!.children.map((n) => [n.acronym, n.parent, n.color])).toEqual([['CP', 'Tel', '#f00']]);
  });
  it('reads section polygons from its GeoJSON, holes and MultiPolygons included', () => {
    const ring = [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 0],
    ];
    const feature = (region: string, geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: number[][][][] }) => ({
      type: 'Feature' as const,
      properties: { region, classification: { name: region } },
      geometry,
    });
    const section = readSection({
      id: 's',
      atlas: 'a',
      specimen: 'S1',
      gestationalWeek: 20,
      plane: 'coronal',
      index: 1,
      stain: 'nissl',
      micronsPerPixel: 2,
      width: 100,
      height: 80,
      dziUrl: '/v1/sections/s/dzi',
      annotations: {
        type: 'FeatureCollection',
        features: [
          feature('CP', { type: 'Polygon', coordinates: [ring, ring] as unknown as number[][][][] }),
          feature('SP', { type: 'MultiPolygon', coordinates: [[ring], [ring]] }),
        ],
      },
    });
    expect(section).toMatchObject({ id: 's', width: 100, height: 80 });
    expect(section).not.toHaveProperty('dziUrl');
    expect(section.polygons.map((p) => [p.region, p.rings.length])).toEqual([
      ['CP', 2],
      ['SP', 2],
    ]);
  });
  it('reads heatmap tiles, the trajectory by week, and both classification lists', () => {
    const heat = { section: 's', width: 1, height: 1, model: 'm', min: 0.4, max: 0.4, unknownWords: [] };
    expect(readHeatmap({ ...heat, tiles: [{ id: 'a', bbox: [0, 0, 224, 224], score: 0.4 }] })).toEqual([
      { bbox: [0, 0, 224, 224], score: 0.4 },
    ]);
    const weeks = [
      { gestationalWeek: 14, best: 0.2, median: 0.1, topMean: 0.15, count: 1 },
      { gestationalWeek: 21, best: 0.9, median: 0.5, topMean: 0.7, count: 3 },
    ];
    const trajectory = readTrajectory({ model: 'm', weeks, topK: 10, unknownWords: [] });
    expect(trajectory.weeks.map((p) => [p.gestationalWeek, p.topMean])).toEqual([
      [14, 0.15],
      [21, 0.7],
    ]);
    expect(trajectory.topK).toBe(10);
    const c = readClassification(classified());
    expect(c.zeroShot.map((l) => l.acronym)).toEqual(['CP', 'SP']);
    expect(c.nearestTiles).toEqual([{ acronym: 'CP', name: 'cp', score: 1 }]);
    expect(c).not.toHaveProperty('outOfDistribution');
  });
  it('reads the out-of-distribution verdict and the calibrated temperature of a classification', () => {
    const c = readClassification(
      classified({
        temperature: { value: 0.98, calibrated: true },
        modelCard: '/v1/models/m@1/card',
        notice: 'trained on synthetic tissue (x)',
        outOfDistribution: true,
        outOfDistributionReason: 'only 2 distinct colours',
      }),
    );
    expect(c).toMatchObject({
      temperature: { value: 0.98, calibrated: true },
      modelCard: '/v1/models/m@1/card',
      outOfDistribution: true,
      outOfDistributionReason: 'only 2 distinct colours',
    });
  });
});

describe('trajectory gaps', () => {
  const p = (gestationalWeek: number, best: number | null) => ({
    gestationalWeek,
    best,
    median: best,
    topMean: best,
  });
  it('breaks the line at missing weeks and at weeks with no data', () => {
    const points = [p(14, 0.2), p(15, 0.3), p(17, 0.5), p(18, null), p(19, 0.6)];
    expect(runs(points, 'best').map((r) => r.map((x) => x.gestationalWeek))).toEqual([[14, 15], [17], [19]]);
    expect(gapWeeks(points)).toEqual([16, 18]);
    expect(weekRanges([15, 16, 17, 19, 21, 22])).toBe('15–17, 19, 21–22');
  });
  it("joins two specimens' ages with no specimen between them, and breaks only at an age without data", () => {
    const points = [p(14, 0.2), p(18, 0.3), p(22, null), p(27, 0.5), p(33, 0.6)];
    const ticks = [14, 18, 22, 27, 33];
    expect(runs(points, 'topMean', ticks).map((r) => r.map((x) => x.gestationalWeek))).toEqual([
      [14, 18],
      [27, 33],
    ]);
    expect(gapWeeks(points, ticks)).toEqual([22]);
  });
  it("ticks the axis at the specimens' weeks (and any data week they lack), not at round numbers", () => {
    expect(weekTicks([22, 14, 18, 14], [14, 18, 25])).toEqual([14, 18, 22, 25]);
  });
});

describe('pixel limit', () => {
  it('refuses images over 4096 x 4096 pixels, as the API would', async () => {
    const { pixelProblem } = await import('./image-input.js');
    expect(pixelProblem('a.png', 4096, 4096)).toBeNull();
    expect(pixelProblem('a.png', 5000, 4000)).toMatch(/5000 × 4000 pixels; the limit is 4096 × 4096/);
  });
});

describe('the results header', () => {
  const calibrated = { mode: 'auto' as const, minScore: 0.1301, source: 'calibration' as const };
  it('says "N relevant" under a cutoff, "about N" when the count is not exact, "more than" at the window', () => {
    expect(countWords({ total: 42, totalExact: true, cutoff: calibrated }, 'tiles')).toMatchObject({
      lead: '',
      noun: 'relevant tiles',
      cutoff: expect.stringMatching(/^Scores of at least 0\.130, the cutoff fitted for this model/),
    });
    expect(countWords({ total: 180, totalExact: false, cutoff: calibrated }, 'regions')).toMatchObject({
      lead: 'about ',
      noun: 'relevant region images',
    });
    expect(countWords({ total: 10_000, totalExact: false, cutoff: calibrated }, 'tiles').lead).toBe('more than ');
  });
  it('says every item is ranked without a cutoff, and why', () => {
    const none = { mode: 'none' as const, minScore: null, source: 'request' as const };
    const uncalibrated = { mode: 'auto' as const, minScore: null, source: 'uncalibrated' as const };
    expect(countWords({ total: 9, totalExact: true, cutoff: none }, 'tiles').noun).toBe('tiles ranked');
    expect(countWords({ total: 9, totalExact: true, cutoff: uncalibrated }, 'tiles').cutoff).toMatch(/no calibration/);
  });
  it('keeps "rank every item" in the URL', () => {
    expect(serializeState({ ...EMPTY_STATE, text: 'x', cutoff: 'none' })).toBe('?q=x&cutoff=none');
    expect(parseState('?q=x&cutoff=none').cutoff).toBe('none');
    expect(parseState('?q=x&cutoff=bogus').cutoff).toBe('auto');
  });
});
