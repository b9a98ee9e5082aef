import { join } from 'node:path';
import type { Catalog, RegionImageDetail, SectionDetail, TileDetail } from '@cytoclip/catalog';
import { removeSectionCopies, type SearchFilter } from '@cytoclip/domain';
import type { VectorStore } from '@cytoclip/vectors';
import type { SectionAnnotations } from './answers.js';
import type {
  ItemRecord,
  ModelIndex,
  QueryCatalog,
  QueryVectors,
  SectionRecord,
  SectionSummary,
  SpecimenSummary,
} from './ports.js';

/** Binds @cytoclip/catalog to the query ports; section images are stored relative to DATA_DIR. */
export function catalogPort(catalog: Catalog, vectors: VectorStore, dataDir: string): QueryCatalog {
  return {
    async atlases() {
      return (await catalog.listAtlases()).map((a) => ({
        id: a.name,
        name: a.name,
        specimens: a.specimens,
        sections: a.sections,
        tiles: a.tiles,
        regionImages: a.regionImages,
        generator: a.generator,
        ingestedAt: a.createdAt.toISOString(),
      }));
    },
    // Rows, then the section copies under DATA_DIR (the route drops the vectors; a withdrawal covers a crash between).
    async deleteAtlas(id) {
      if (!(await catalog.deleteAtlas(id))) return false;
      await removeSectionCopies(dataDir, id);
      return true;
    },
    async regions() {
      return (await catalog.listRegions()).map((r) => ({ ...r, id: r.sourceId }));
    },
    async specimens() {
      const specimens = await catalog.listSpecimens();
      const sections = new Map<string, { count: number; planes: Set<string> }>();
      for (const atlas of new Set(specimens.map((s) => s.atlas))) {
        for (const section of await catalog.listSections(atlas)) {
          const key = `${atlas}/${section.specimen}`;
          const entry = sections.get(key) ?? { count: 0, planes: new Set() };
          entry.count += 1;
          entry.planes.add(section.plane);
          sections.set(key, entry);
        }
      }
      return specimens.map((s): SpecimenSummary => {
        const entry = sections.get(`${s.atlas}/${s.id}`);
        return {
          id: s.id,
          atlas: s.atlas,
          gestationalWeek: s.gestationalWeek,
          ageSource: s.ageSource ?? null,
          sections: entry?.count ?? 0,
          planes: [...(entry?.planes ?? [])] as SpecimenSummary['planes'],
        };
      });
    },
    async sections() {
      const specimens = await catalog.listSpecimens();
      const week = new Map(specimens.map((s) => [`${s.atlas}/${s.id}`, s.gestationalWeek]));
      const out: SectionSummary[] = [];
      for (const atlas of new Set(specimens.map((s) => s.atlas)))
        for (const s of await catalog.listSections(atlas))
          out.push({
            id: s.id,
            atlas: s.atlas,
            specimen: s.specimen,
            gestationalWeek: week.get(`${s.atlas}/${s.specimen}`) ?? 0,
            plane: s.plane,
            index: s.index,
            stain: s.stain,
            micronsPerPixel: s.micronsPerPixel,
            width: s.width,
            height: s.height,
          });
      return out;
    },
    async section(id) {
      const found = await catalog.getSection(id);
      return found ? toSection(found, dataDir) : null;
    },
    async items(ids, kind) {
      const out = new Map<string, ItemRecord>();
      if (ids.length === 0) return out;
      if (kind !== 'region') for (const tile of await catalog.getTiles(ids)) out.set(tile.id, tileItem(tile));
      const rest = kind === 'tile' ? [] : ids.filter((id) => !out.has(id));
      if (rest.length) for (const image of await catalog.getRegionImages(rest)) out.set(image.id, regionItem(image));
      return out;
    },
    async modelIndexes() {
      const models = await catalog.listModels();
      const counted = await catalog.modelSections();
      return Promise.all(
        models.map(async (m): Promise<ModelIndex> => {
          const sections = counted.get(m.id) ?? { done: 0, total: 0 };
          return {
            model: m.id,
            variant: m.variant,
            collection: m.collection,
            // Its last ingest finished and drained, and no section of any ingested atlas is missing from it.
            complete: m.status === 'complete' && sections.done === sections.total,
            sections,
            items: await vectors.count(m.collection).catch(() => 0),
            completedAt: m.completedAt ? m.completedAt.toISOString() : null,
          };
        }),
      );
    },
  };
}

/** Binds @cytoclip/vectors: search rules (filter, minScore, perSection) and the total are the store's own. */
export function vectorsPort(store: VectorStore): QueryVectors {
  return {
    search: (collection, vector, options) => store.search(collection, vector, options),
    searchLexical: (collection, query, options) => store.searchLexical(collection, query, options),
    lexicalCoverage: (collection) => store.lexicalCoverage(collection),
    count: (collection: string, filter: SearchFilter) => store.count(collection, filter),
    async get(collection, id) {
      const [point] = await store.get(collection, [id], true);
      return point?.vector ?? null;
    },
    scoreAll: (collection, vector, filter) => store.scoreAll(collection, vector, filter),
    async topPerWeek(collection, vector, filter, k) {
      const groups = await store.topPerGroup(collection, vector, { field: 'gestationalWeek', perGroup: k, filter });
      return groups.map((g) => ({ gestationalWeek: Number(g.value), hits: g.hits, count: g.count }));
    },
    async weekSummary(collection, vector, filter) {
      const rows = await store.bestPerField(collection, vector, 'gestationalWeek', filter);
      return rows.map((r) => ({ gestationalWeek: Number(r.value), best: r.best, median: r.median, count: r.count }));
    },
    async deleteAtlas(collection, atlas) {
      await store.deleteWhere(collection, { atlas }).catch(() => 0);
    },
  };
}

function toSection(s: SectionDetail, dataDir: string): SectionRecord {
  return {
    id: s.id,
    atlas: s.atlas,
    specimen: s.specimen,
    gestationalWeek: s.gestationalWeek,
    plane: s.plane,
    index: s.index,
    stain: s.stain,
    micronsPerPixel: s.micronsPerPixel,
    width: s.width,
    height: s.height,
    imagePath: join(dataDir, s.imagePath),
    annotations: {
      type: 'FeatureCollection',
      features: s.annotations.map((a) => ({
        type: 'Feature',
        properties: { region: a.region, classification: { name: a.region } },
        // Checked against GeoJSON when the atlas was ingested (slides' parseAnnotations).
        geometry: a.geometry as SectionAnnotations['features'][number]['geometry'],
      })),
    },
  };
}

function tileItem(t: TileDetail): ItemRecord {
  return {
    id: t.id,
    kind: 'tile',
    atlas: t.atlas,
    section: t.section,
    specimen: t.specimen,
    gestationalWeek: t.gestationalWeek,
    plane: t.plane,
    region: t.region,
    regionShare: t.regionFraction,
    bbox: [t.x, t.y, t.level0Size, t.level0Size],
  };
}

function regionItem(r: RegionImageDetail): ItemRecord {
  return {
    id: r.id,
    kind: 'region',
    atlas: r.atlas,
    section: r.section,
    specimen: r.specimen,
    gestationalWeek: r.gestationalWeek,
    plane: r.plane,
    region: r.region,
    bbox: [r.x, r.y, r.width, r.height],
  };
}
