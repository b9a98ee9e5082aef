import type { OntologyRegion, SearchFilter } from '@cytoclip/domain';
import type { Hit, ItemRecord, ModelIndex, QueryCatalog, QueryModel, QueryVectors, SectionRecord } from '@cytoclip/query';

/**
 * A small in-memory catalog + exact vector store implementing the query ports, used to test the HTTP layer's own
 * behaviour (pagination, filters, errors) exactly. The end-to-end suites use the real services.
 */
export class MemoryCatalog implements QueryCatalog {
  sectionsById = new Map<string, SectionRecord>();
  itemsById = new Map<string, ItemRecord>();
  indexes: ModelIndex[] = [];
  constructor(public ontology: OntologyRegion[]) {}

  async atlases() {
    const ids = new Set([...this.sectionsById.values()].map((s) => s.atlas));
    return [...ids].map((id) => ({ id, name: id, specimens: 0, sections: [...this.sectionsById.values()].filter((s) => s.atlas === id).length }));
  }
  async deleteAtlas(id: string) {
    const before = this.sectionsById.size;
    for (const [k, s] of this.sectionsById) if (s.atlas === id) this.sectionsById.delete(k);
    for (const [k, i] of this.itemsById) if (i.atlas === id) this.itemsById.delete(k);
    return this.sectionsById.size < before;
  }
  async regions() {
    return this.ontology;
  }
  async specimens() {
    const out = new Map<string, { id: string; atlas: string; gestationalWeek: number; sections: number; planes: SectionRecord['plane'][] }>();
    for (const s of this.sectionsById.values()) {
      const sp = out.get(s.specimen) ?? { id: s.specimen, atlas: s.atlas, gestationalWeek: s.gestationalWeek, sections: 0, planes: [] };
      sp.sections += 1;
      if (!sp.planes.includes(s.plane)) sp.planes.push(s.plane);
      out.set(s.specimen, sp);
    }
    return [...out.values()];
  }
  async section(id: string) {
    return this.sectionsById.get(id) ?? null;
  }
  async items(ids: string[]) {
    const out = new Map<string, ItemRecord>();
    for (const id of ids) {
      const item = this.itemsById.get(id);
      if (item) out.set(id, item);
    }
    return out;
  }
  async modelIndexes() {
    return this.indexes;
  }
}

export function matches(item: ItemRecord, filter: SearchFilter): boolean {
  const w = filter.gestationalWeek;
  if (w?.gte !== undefined && item.gestationalWeek < w.gte) return false;
  if (w?.lte !== undefined && item.gestationalWeek > w.lte) return false;
  if (filter.planes && !filter.planes.includes(item.plane)) return false;
  if (filter.specimens && !filter.specimens.includes(item.specimen)) return false;
  if (filter.atlases && !filter.atlases.includes(item.atlas)) return false;
  if (filter.sections && !filter.sections.includes(item.section)) return false;
  if (filter.regions && (!item.region || !filter.regions.includes(item.region))) return false;
  return true;
}

export class MemoryVectors implements QueryVectors {
  collections = new Map<string, Map<string, Float32Array>>();
  constructor(private readonly catalog: MemoryCatalog) {}

  upsert(collection: string, id: string, vector: Float32Array) {
    const c = this.collections.get(collection) ?? new Map();
    c.set(id, vector);
    this.collections.set(collection, c);
  }
  private scored(collection: string, vector: Float32Array, filter: SearchFilter): Hit[] {
    const hits: Hit[] = [];
    for (const [id, v] of this.collections.get(collection) ?? []) {
      const item = this.catalog.itemsById.get(id);
      if (!item || !matches(item, filter)) continue;
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i]! * vector[i]!;
      hits.push({ id, score: dot });
    }
    return hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  }
  async search(collection: string, vector: Float32Array, o: { filter: SearchFilter; limit: number; offset: number }) {
    return this.scored(collection, vector, o.filter).slice(o.offset, o.offset + o.limit);
  }
  async count(collection: string, filter: SearchFilter) {
    return [...(this.collections.get(collection)?.keys() ?? [])].filter((id) => {
      const item = this.catalog.itemsById.get(id);
      return item && matches(item, filter);
    }).length;
  }
  async get(collection: string, id: string) {
    return this.collections.get(collection)?.get(id) ?? null;
  }
  async scoreAll(collection: string, vector: Float32Array, filter: SearchFilter) {
    return this.scored(collection, vector, filter);
  }
}

/** A bag-of-words model over region names: each known word adds its region's direction. */
export function wordModel(id: string, regions: OntologyRegion[], basis: Map<string, Float32Array>, dim: number): QueryModel {
  const vocab = new Map<string, string>();
  for (const r of regions) for (const w of [r.acronym, ...r.name.split(/\s+/)]) vocab.set(w.toLowerCase(), r.acronym);
  const [name, version] = id.split('@');
  return {
    info: { id, name: name!, version: version!, variant: 'tile', embeddingDim: dim },
    async embedTexts(texts) {
      return texts.map((t) => {
        const v = new Float32Array(dim);
        for (const w of t.toLowerCase().split(/\W+/)) {
          const b = basis.get(vocab.get(w) ?? '');
          if (b) for (let i = 0; i < dim; i++) v[i]! += b[i]!;
        }
        return normalise(v);
      });
    },
    async embedImages(images) {
      return images.map((img) => normalise(Float32Array.from({ length: dim }, (_, i) => (img[(i * 7) % img.length]! % 13) + 1)));
    },
    unknownWords(text) {
      return text
        .toLowerCase()
        .split(/\W+/)
        .filter((w) => w && !vocab.has(w) && !['the', 'a', 'of', 'with'].includes(w));
    },
    async zeroShotClassify() {
      return regions.map((r, i) => ({ acronym: r.acronym, probability: 1 / (i + 2) }));
    },
  };
}

export function normalise(v: Float32Array): Float32Array {
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}
