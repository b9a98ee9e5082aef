import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plane } from '@cytoclip/domain';
import sharp from 'sharp';
import { FetalBrain } from './anatomy/brain.js';
import { interpolate, FRONTO_OCCIPITAL } from './anatomy/growth.js';
import { acronymOf, buildOntology } from './ontology.js';
import { labelPolygons } from './polygons.js';
import { cellSpecTable } from './render/cells.js';
import { ALL_NUISANCES, type Nuisances } from './render/nuisance.js';
import { prepareSection, renderStrip, type SectionRenderer } from './render/strip.js';
import { computeLabelMap, layoutSection, type LabelMap, type SectionGeometry } from './section.js';

export interface SectionRequest {
  gestationalWeek: number;
  plane: Plane;
  /** 0–1 along the plane's normal axis. */
  position: number;
  micronsPerPixel: number;
  /** Rendered fronto-occipital length (mm); default: true size. */
  lengthMm?: number;
  labelStep?: number;
  window?: [number, number, number, number];
  /** Crop in image-plane millimetres [u0, v0, u1, v1] (u right, v down), instead of `window`. */
  windowMm?: [number, number, number, number];
  /** Seeds the section's cells and artefacts. */
  seed: number;
  /** Seeds the specimen's anatomy (its sulcal pattern): sections of one specimen share it. */
  specimenSeed?: number;
  nuisances?: Nuisances;
  vessels?: boolean;
}

export interface PlannedSection {
  brain: FetalBrain;
  geometry: SectionGeometry;
  labels: LabelMap;
  renderer: SectionRenderer;
}

/** Strip height (px): sections are rendered and encoded strip by strip, never as one buffer. */
export const STRIP_ROWS = 512;

export function anatomyScaleFor(week: number, lengthMm?: number): number {
  return lengthMm ? lengthMm / interpolate(FRONTO_OCCIPITAL, week) : 1;
}

export function planSection(req: SectionRequest): PlannedSection {
  const brain = new FetalBrain(
    req.gestationalWeek,
    anatomyScaleFor(req.gestationalWeek, req.lengthMm),
    req.specimenSeed ?? 7,
  );
  const geometry = layoutSection(
    brain,
    req.plane,
    req.position,
    req.micronsPerPixel,
    req.labelStep ?? 4,
    req.window,
    req.windowMm,
  );
  const labels = computeLabelMap(brain, geometry);
  const renderer = prepareSection(geometry, labels, cellSpecTable(req.gestationalWeek), req.seed, {
    nuisances: req.nuisances ?? ALL_NUISANCES,
    vessels: req.vessels ?? true,
  });
  return { brain, geometry, labels, renderer };
}

/** The whole section as RGB in one buffer: for small sections only (tests, contact sheets). */
export function renderWhole(section: PlannedSection): Buffer {
  const parts: Buffer[] = [];
  for (let y = 0; y < section.geometry.height; y += STRIP_ROWS)
    parts.push(renderStrip(section.renderer, y, Math.min(section.geometry.height, y + STRIP_ROWS)));
  return Buffer.concat(parts);
}

/**
 * Writes a tiled pyramidal JPEG TIFF: each strip goes to a scratch TIFF, then libvips joins the strips lazily while
 * it builds the pyramid, so no process ever holds the whole section in JavaScript memory.
 */
export async function writeSectionTiff(section: PlannedSection, file: string, scratch: string): Promise<void> {
  const { width, height } = section.geometry;
  await mkdir(scratch, { recursive: true });
  const strips: string[] = [];
  try {
    for (let y = 0, k = 0; y < height; y += STRIP_ROWS, k++) {
      const rows = Math.min(height, y + STRIP_ROWS) - y;
      const path = join(scratch, `strip-${k}.tif`);
      await sharp(renderStrip(section.renderer, y, y + rows), { raw: { width, height: rows, channels: 3 } })
        .tiff({ compression: 'none' })
        .toFile(path);
      strips.push(path);
    }
    // Composite (not join): join pads every strip to the tallest one. libvips reads the strip files lazily.
    const base = sharp({ create: { width, height, channels: 3, background: '#000' }, limitInputPixels: false });
    await base
      .composite(strips.map((input, k) => ({ input, left: 0, top: k * STRIP_ROWS, limitInputPixels: false })))
      .tiff({
        tile: true,
        pyramid: true,
        compression: 'jpeg',
        quality: section.renderer.art.jpegQuality,
        tileWidth: 256,
        tileHeight: 256,
      })
      .toFile(file);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** QuPath-style GeoJSON of a section's label map: one feature per region, level-0 pixel coordinates. */
export function sectionAnnotations(labels: LabelMap): GeoJsonFeatureCollection {
  const colours = new Map(buildOntology().regions.map((r) => [r.acronym, r.color]));
  const present = new Set<number>();
  for (const l of labels.label) if (l) present.add(l);
  const features: GeoJsonFeature[] = [];
  for (const label of [...present].sort((a, b) => a - b)) {
    const acronym = acronymOf(label)!;
    const polygons = labelPolygons(labels, label);
    if (polygons.length === 0) continue;
    const hex = colours.get(acronym) ?? '#808080';
    features.push({
      type: 'Feature',
      id: acronym,
      geometry:
        polygons.length === 1
          ? { type: 'Polygon', coordinates: polygons[0]! }
          : { type: 'MultiPolygon', coordinates: polygons },
      properties: {
        objectType: 'annotation',
        classification: { name: acronym, color: [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) },
        region: acronym,
      },
    });
  }
  return { type: 'FeatureCollection', features };
}

export interface GeoJsonFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };
  properties: { objectType: string; classification: { name: string; color: number[] }; region: string };
}

export interface GeoJsonFeatureCollection {
  type: 'FeatureCollection';
  features: GeoJsonFeature[];
}
