import { describe, expect, it } from 'vitest';
import { buildOntology, FetalBrain, PRESETS, REGION_ACRONYMS, type Preset, type SectionPlan } from '@cytoclip/atlas';
import { labelTiles, tileGeometry } from '@cytoclip/slides';
import { anatomyScaleFor } from '../src/build.js';
import { sectionId, specimenSeed } from '../src/generate.js';
import { computeLabelMap, layoutSection } from '../src/section.js';

/** The bundled tile model's grid, which `npm start` ingests the demo atlas on: 112 px at 2 µm/px (224 µm tiles). */
const GRID = { size: 112, micronsPerPixel: 2 };
/** Coarser than the presets' 4 px blocks so the whole demo plan is labelled in seconds; the grid stays the same. */
const LABEL_STEP = 8;

/**
 * Tiles per region of one planned section, by the ingest's rule (slides' labelTiles: tissue ≥ 25 %, the dominant
 * region) applied to the generator's ground truth: tissue is every labelled block, the label map is the regions.
 */
function tilesOf(preset: Preset, specimen: string, week: number, plan: SectionPlan): Map<string, number> {
  const brain = new FetalBrain(week, anatomyScaleFor(week, preset.lengthMm(week)), specimenSeed(1, specimen));
  const g = layoutSection(brain, plan.plane, plan.position, preset.micronsPerPixel, LABEL_STEP, plan.window);
  const map = computeLabelMap(brain, g);
  const size = { width: map.width, height: map.height, downsample: LABEL_STEP };
  const tissue = {
    ...size,
    mask: map.label.map((l) => (l ? 1 : 0)),
    background: [255, 255, 255] as [number, number, number],
  };
  const labels = {
    ...size,
    labels: Uint16Array.from(map.label),
    originX: 0,
    originY: 0,
    regions: [...REGION_ACRONYMS],
  };
  const geometry = tileGeometry(g.width, g.height, preset.micronsPerPixel, GRID);
  const tiles = labelTiles(geometry, tissue, labels, {
    atlas: preset.atlasName,
    section: sectionId(specimen, plan),
    grid: GRID,
    minTissue: 0.25,
  });
  const counts = new Map<string, number>();
  for (const t of tiles) if (t.region) counts.set(t.region, (counts.get(t.region) ?? 0) + 1);
  return counts;
}

const leafRegions = (): string[] => {
  const regions = buildOntology().regions;
  const parents = new Set(regions.map((r) => r.parent));
  return regions.map((r) => r.acronym).filter((a) => !parents.has(a));
};

describe('presets', () => {
  it('never give two sections of a specimen the same id', () => {
    for (const preset of Object.values(PRESETS)) {
      const ids = preset.specimens.flatMap((s) => s.sections.map((plan) => sectionId(s.id, plan)));
      expect(new Set(ids).size, preset.name).toBe(ids.length);
    }
  });

  it('demo: every leaf region of the ontology has ≥ 20 tiles across ≥ 2 gestational weeks', () => {
    const demo = PRESETS.demo!;
    const byRegion = new Map<string, Map<number, number>>();
    for (const specimen of demo.specimens) {
      for (const plan of specimen.sections) {
        for (const [region, n] of tilesOf(demo, specimen.id, specimen.gestationalWeek, plan)) {
          const weeks = byRegion.get(region) ?? new Map<number, number>();
          weeks.set(specimen.gestationalWeek, (weeks.get(specimen.gestationalWeek) ?? 0) + n);
          byRegion.set(region, weeks);
        }
      }
    }
    const short = leafRegions().flatMap((region) => {
      const weeks = byRegion.get(region) ?? new Map<number, number>();
      const total = [...weeks.values()].reduce((a, b) => a + b, 0);
      return total >= 20 && weeks.size >= 2 ? [] : [`${region}: ${total} tiles in ${weeks.size} weeks`];
    });
    expect(short).toEqual([]);
  });
});
