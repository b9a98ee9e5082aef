import type { OntologyRegion, SearchFilter } from '@cytoclip/domain';
import type { Hit, ItemRecord, ModelIndex, QueryCatalog, QueryModel, QueryVectors, SectionRecord } from '@cytoclip/query';

/**
 * In-memory catalog and exact vector store behind the query API's ports: the real HTTP app (routes, Deep Zoom,
 * problem answers) over data made in the test, for manual work on the UI while the real stores are built.
 */
export class MemoryCatalog implements QueryCatalog {
  sections = new Map<string, SectionRecord>();
  itemsById = new Map<string, ItemRecord>();
  indexes: ModelIndex[] = [];
  constructor(readonly ontology: OntologyRegion[]) {}

  async atlases() {
    const ids = new Set([...this.sections.values()].map((s) => s.atlas));
    return [...ids].map((id) => ({ id, name: id, specimens: new Set([...this.sections.values()].map((s) => s.specimen)).size, sections: this.sections.size }));
  }
  async deleteAtlas() {
    return false;
  }
  async regions() {
    return this.ontology;
  }
  async specimens() {
    const out = new Map<string, { id: string; atlas: string; gestationalWeek: number; sections: number; planes: SectionRecord['plane'][] }>();
    for (const s of this.sections.values()) {
      const sp = out.get(s.specimen) ?? { id: s.specimen, atlas: s.atlas, gestationalWeek: s.gestationalWeek, sections: 0, planes: [] };
      sp.sections += 1;
      if (!sp.planes.includes(s.plane)) sp.planes.push(s.plane);
      out.set(s.specimen, sp);
    }
    return [...out.values()];
  }
  async section(id: string) {
    return this.sections.get(id) ?? null;
  }
  async items(ids: string[]) {
    return new Map(ids.flatMap((id) => (this.itemsById.has(id) ? [[id, this.itemsById.get(id)!] as const] : [])));
  }
  async modelIndexes() {
    return this.indexes;
  }
}

function matches(item: ItemRecord, f: SearchFilter, descendants: (r: string) => string[]): boolean {
  const w = f.gestationalWeek;
  if (w?.gte !== undefined && item.gestationalWeek < w.gte) return false;
  if (w?.lte !== undefined && item.gestationalWeek > w.lte) return false;
  if (f.planes && !f.planes.includes(item.plane)) return false;
  if (f.specimens && !f.specimens.includes(item.specimen)) return false;
  if (f.atlases && !f.atlases.includes(item.atlas)) return false;
  if (f.sections && !f.sections.includes(item.section)) return false;
  if (f.regions && !(item.region && f.regions.flatMap(descendants).includes(item.region))) return false;
  return true;
}

export class MemoryVectors implements QueryVectors {
  readonly vectors = new Map<string, Float32Array>();
  constructor(
    private readonly catalog: MemoryCatalog,
    private readonly descendants: (region: string) => string[],
  ) {}

  private scored(vector: Float32Array, filter: SearchFilter): Hit[] {
    const hits: Hit[] = [];
    for (const [id, v] of this.vectors) {
      const item = this.catalog.itemsById.get(id);
      if (!item || !matches(item, filter, this.descendants)) continue;
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i]! * vector[i]!;
      hits.push({ id, score: dot, payload: { gestationalWeek: item.gestationalWeek, section: item.section, region: item.region } });
    }
    return hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  }
  async search(_c: string, vector: Float32Array, o: { filter: SearchFilter; limit: number; offset: number }) {
    return this.scored(vector, o.filter).slice(o.offset, o.offset + o.limit);
  }
  async count(_c: string, filter: SearchFilter) {
    return this.scored(new Float32Array(1), filter).length;
  }
  async get(_c: string, id: string) {
    return this.vectors.get(id) ?? null;
  }
  async scoreAll(_c: string, vector: Float32Array, filter: SearchFilter) {
    return this.scored(vector, filter);
  }
}

export function normalise(v: Float32Array): Float32Array {
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

/** Bag of words: each word of a region's name or description pulls the query toward that region's direction. */
export function wordModel(id: string, regions: OntologyRegion[], basis: Map<string, Float32Array>, dim: number): QueryModel {
  const vocab = new Map<string, string>();
  for (const r of regions) for (const w of `${r.acronym} ${r.name} ${r.description}`.toLowerCase().split(/\W+/)) if (w.length > 2) vocab.set(w, r.acronym);
  const [name, version] = id.split('@');
  const embedText = (t: string) => {
    const v = new Float32Array(dim);
    for (const w of t.toLowerCase().split(/\W+/)) {
      const b = basis.get(vocab.get(w) ?? '');
      if (b) for (let i = 0; i < dim; i++) v[i]! += b[i]!;
    }
    return normalise(v);
  };
  const embedImage = (img: Buffer) => {
    // Not a model: a stable direction from the bytes, pulled toward one region so image searches find something.
    const region = regions[img.length % regions.length]!.acronym;
    const v = Float32Array.from({ length: dim }, (_, i) => ((img[(i * 7919) % img.length]! % 13) + 1) / 40);
    const b = basis.get(region)!;
    return normalise(v.map((x, i) => x + b[i]!));
  };
  return {
    info: { id, name: name!, version: version!, variant: 'tile', embeddingDim: dim, micronsPerPixel: 1 },
    async embedTexts(texts) {
      return texts.map(embedText);
    },
    async embedImages(images) {
      return images.map(embedImage);
    },
    unknownWords(text) {
      return text.toLowerCase().split(/\W+/).filter((w) => w.length > 2 && !vocab.has(w) && !['the', 'and', 'with'].includes(w));
    },
    async zeroShotClassify(v) {
      const scored = regions.map((r) => {
        const b = basis.get(r.acronym)!;
        return { region: r.acronym, logit: 10 * b.reduce((s, x, i) => s + x * v[i]!, 0) };
      });
      const sum = scored.reduce((s, r) => s + Math.exp(r.logit), 0);
      return scored.map((r) => ({ acronym: r.region, probability: Math.exp(r.logit) / sum })).sort((a, b) => b.probability - a.probability);
    },
  };
}
