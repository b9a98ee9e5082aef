import { CytoclipError } from '@cytoclip/domain';
import { MAX_REGION_SIDE, type Example, type SectionRegion } from './example-schemas.js';
import { embedImageTiles, embedUpload, meanNormalized, type EmbeddedUpload } from './honesty.js';
import { FUSION, retrieve, type RankedHit, type RetrievedPage, type RetrieveInput } from './hybrid.js';
import { checkUpload, decodeBase64Image } from './images.js';
import type { QueryModel, SectionRecord, SearchOptions } from './ports.js';
import type { Notice } from './relevance.js';
import type { QueryInput } from './schemas.js';
import { readRegion, storedSectionImage } from './section-images.js';
import type { ResolvedModel, SearchService } from './search.js';

/**
 * Queries beyond one kind: several weighted examples (text, image, tile, region image), negatives, a raw embedding and
 * a region of interest cut from a stored section. Every example is embedded with the target's model and the list is
 * combined Rocchio style, as Qdrant's recommend API does with its `average_vector` strategy:
 *
 *   p = Σ wᵢ·p̂ᵢ / Σ wᵢ   (positives, each normalised)      n = Σ vⱼ·n̂ⱼ / Σ vⱼ   (negatives)
 *   q = normalise(p)            without negatives
 *   q = normalise(2·p − n)      with them: p + (p − n)
 *
 * Why 2·p − n and not p − n: embeddings of stained tissue lie close together (cosines of 0.6–0.9 between unlike
 * regions), so p − n alone keeps only what differs and points away from tissue altogether; adding p back keeps the
 * query on the positives and moves it away from the negatives by their difference.
 */

type Weighted = { vector: Float32Array; weight: number };

export interface CombinedQuery {
  vector: Float32Array;
  unknownWords: string[];
  /** The stored items among the examples: never returned as results. */
  exclude: string[];
  /** True when every example is text: the text cutoff applies (else the image cutoff). */
  ranksAsText: boolean;
  /** A region of interest's patch, reported like an upload. */
  upload?: EmbeddedUpload;
  notices: Notice[];
}

/** Whether the query uses any part beyond one kind (positive, negative, vector, sectionRegion). */
export function isCombined(query: QueryInput): boolean {
  return [query.positive, query.negative, query.vector, query.sectionRegion].some((part) => part !== undefined);
}

/** The query's combined vector in the index's space, with what the answer says about it. */
export async function combinedQuery(
  service: SearchService,
  query: QueryInput,
  resolved: ResolvedModel,
  target: 'tiles' | 'regions',
): Promise<CombinedQuery> {
  const embed = new ExampleEmbedder(service, resolved, target);
  const positives = await embed.positives(query);
  if (positives.length === 0) {
    throw new CytoclipError('invalid_request', 'give at least one positive example: negatives alone rank nothing', {
      status: 422,
      detail: { field: 'query.positive', message: 'empty: negatives need a positive' },
    });
  }
  const negatives = await embed.list(query.negative ?? [], 'query.negative');
  const vector = combine(positives, negatives);
  if (!vector) {
    throw new CytoclipError('invalid_vector', 'the examples cancel out: their combination has no direction', {
      status: 422,
      detail: { field: 'query', message: 'examples cancel out' },
    });
  }
  return {
    vector,
    unknownWords: [...new Set(embed.unknownWords)],
    exclude: [...new Set(embed.stored)],
    ranksAsText: embed.kinds.size === 1 && embed.kinds.has('text'),
    ...(embed.upload ? { upload: embed.upload } : {}),
    notices: embed.notices,
  };
}

/** The Rocchio combination above; null when it has no direction (a zero vector). */
export function combine(positives: Weighted[], negatives: Weighted[]): Float32Array | null {
  const p = weightedMean(positives);
  if (negatives.length === 0) return normalised(p);
  const n = weightedMean(negatives);
  return normalised(p.map((x, i) => 2 * x - n[i]!));
}

function weightedMean(items: Weighted[]): Float32Array {
  const out = new Float32Array(items[0]!.vector.length);
  let total = 0;
  for (const { vector, weight } of items) {
    const unit = normalised(vector) ?? vector;
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + weight * unit[i]!;
    total += weight;
  }
  return out.map((x) => x / total);
}

function normalised(v: Float32Array): Float32Array | null {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  return norm > 1e-9 ? v.map((x) => x / norm) : null;
}

/** Embeds examples one by one, remembering the stored items, the unknown words and the kinds it saw. */
class ExampleEmbedder {
  readonly stored: string[] = [];
  readonly unknownWords: string[] = [];
  readonly kinds = new Set<string>();
  readonly notices: Notice[] = [];
  upload: EmbeddedUpload | undefined;

  constructor(
    private readonly service: SearchService,
    private readonly resolved: ResolvedModel,
    private readonly target: 'tiles' | 'regions',
  ) {}

  /** The positive side: the positive list, or the one kind given beside the negatives. */
  async positives(query: QueryInput): Promise<Weighted[]> {
    if (query.positive !== undefined) return this.list(query.positive, 'query.positive');
    if (query.vector !== undefined) return [{ vector: this.raw(query.vector), weight: 1 }];
    if (query.sectionRegion !== undefined) return [{ vector: await this.region(query.sectionRegion), weight: 1 }];
    const { text, image, tileId, regionImageId } = query;
    const single = { text, image, tileId, regionImageId };
    if (Object.values(single).every((v) => v === undefined)) return [];
    return [{ vector: await this.item(single as Example, 'query'), weight: 1 }];
  }

  list(items: Example[], field: string): Promise<Weighted[]> {
    return Promise.all(
      items.map(async (item, i) => ({ vector: await this.item(item, `${field}.${i}`), weight: item.weight ?? 1 })),
    );
  }

  private model(): QueryModel {
    return this.service.requireModel(this.resolved);
  }

  private get collection(): string {
    return this.resolved.index.collection;
  }

  /** One example; `field` names it in errors (query.positive.2 → query.positive.2.tileId). */
  private async item(item: Example, field: string): Promise<Float32Array> {
    if (item.text !== undefined) {
      this.kinds.add('text');
      const model = this.model();
      this.unknownWords.push(...model.unknownWords(item.text));
      return this.service.embedText(model, item.text);
    }
    if (item.image !== undefined) {
      this.kinds.add('image');
      const bytes = decodeBase64Image(item.image, `${field}.image`);
      const maxPixels = this.service.config.maxImagePixels;
      await checkUpload(bytes, maxPixels, `${field}.image`);
      // Embedded as an upload is, without the out-of-distribution check (store queries per image).
      return meanNormalized((await embedImageTiles(bytes, this.model(), { maxPixels })).vectors);
    }
    this.kinds.add('item');
    const [key, id] = item.tileId !== undefined ? ['tileId', item.tileId] : ['regionImageId', item.regionImageId!];
    const wanted = key === 'tileId' ? 'tiles' : 'regions';
    if (wanted !== this.target) {
      throw new CytoclipError(
        'target_mismatch',
        `${field}.${key} is a stored ${wanted} item: search target ${wanted}`,
        {
          status: 422,
          detail: { field: `${field}.${key}`, message: `does not match target ${this.target}` },
        },
      );
    }
    const vector = await this.service.backend.vectors.get(this.collection, id);
    if (!vector) {
      throw new CytoclipError('not_found', `${field}.${key} ${id} is not in the ${this.resolved.index.model} index`, {
        status: 404,
        detail: { field: `${field}.${key}`, message: 'not found' },
      });
    }
    this.stored.push(id);
    return vector;
  }

  private embedImage(bytes: Buffer, options: { micronsPerPixel?: number; maxPixels?: number }) {
    const { vectors } = this.service.backend;
    return embedUpload(
      bytes,
      this.model(),
      { collection: this.collection, vectors },
      { micronsPerPixel: options.micronsPerPixel, maxPixels: options.maxPixels ?? this.service.config.maxImagePixels },
    );
  }

  /** A raw embedding: the model's dimension (when it is loaded here), not all zero. */
  private raw(values: number[]): Float32Array {
    this.kinds.add('vector');
    const dim = this.resolved.model?.info.embeddingDim;
    if (dim !== undefined && values.length !== dim) {
      throw new CytoclipError(
        'wrong_dimension',
        `query.vector has ${values.length} values; ${this.resolved.index.model} embeds in ${dim}`,
        { status: 422, detail: { field: 'query.vector', message: `must have ${dim} values` } },
      );
    }
    const vector = Float32Array.from(values);
    if (!normalised(vector)) {
      throw new CytoclipError('invalid_vector', 'query.vector is all zero: it has no direction', {
        status: 422,
        detail: { field: 'query.vector', message: 'all zero' },
      });
    }
    return vector;
  }

  /** A region of interest: cut from the section's tiled copy at the model's scale, tiled and embedded like an upload. */
  private async region(region: SectionRegion): Promise<Float32Array> {
    this.kinds.add('region');
    const model = this.model();
    const section = await this.service.backend.catalog.section(region.section);
    if (!section) {
      throw new CytoclipError('not_found', `section ${region.section} not found`, {
        status: 404,
        detail: { field: 'query.sectionRegion.section', message: 'not found' },
      });
    }
    const patch = patchOf(checkBox(region.bbox, section), section, model);
    const path = await storedSectionImage(this.service.config.dataDir, section.imagePath);
    const png = await readRegion(path, patch.rect, patch.out, 'png');
    const upload = await this.embedImage(png, {
      ...(patch.micronsPerPixel !== null ? { micronsPerPixel: patch.micronsPerPixel } : {}),
      maxPixels: Math.max(this.service.config.maxImagePixels, patch.out.width * patch.out.height),
    });
    this.upload = upload;
    const { left, top, width, height } = patch.rect;
    const { count, columns, rows } = upload.report.tiles;
    const scale = patch.micronsPerPixel !== null ? ` at ${round(patch.micronsPerPixel)} µm/px` : '';
    this.notices.push({
      code: 'region_of_interest',
      message:
        `searched by [${left}, ${top}, ${width}, ${height}] of section ${section.id}, cut${scale} ` +
        `(${patch.out.width}×${patch.out.height} px): ${count} tile${count === 1 ? '' : 's'} (${columns} × ${rows}) ` +
        `averaged${patch.grown ? '; the box was grown to one tile of the model' : ''}`,
    });
    return upload.mean;
  }
}

const BOX_FIELD = 'query.sectionRegion.bbox';

/** The box as integers, refused (422) when it is empty, larger than MAX_REGION_SIDE a side or leaves the section. */
export function checkBox(bbox: [number, number, number, number], section: Pick<SectionRecord, 'width' | 'height'>) {
  const [x, y, width, height] = bbox.map(Math.round) as [number, number, number, number];
  const refuse = (message: string) =>
    new CytoclipError('invalid_field', `${BOX_FIELD} ${message}`, {
      status: 422,
      detail: { field: BOX_FIELD, message },
    });
  if (width < 1 || height < 1) throw refuse('must have a positive width and height');
  if (width > MAX_REGION_SIDE || height > MAX_REGION_SIDE)
    throw refuse(`may be at most ${MAX_REGION_SIDE} px a side (got ${width}×${height})`);
  if (x < 0 || y < 0 || x + width > section.width || y + height > section.height)
    throw refuse(`must lie inside the section (${section.width}×${section.height} px)`);
  return { left: x, top: y, width, height };
}

/** Longest side of a region model's patch: it takes the whole image, resized to its input. */
const REGION_PATCH_SIDE = 1024;

/**
 * Where to cut and at what size. A tile model gets the box at its own µm/px (output pixels = box · section µm/px ÷
 * model µm/px), a box smaller than one of its tiles grown around its centre to one tile (within the section), so the
 * tiles it embeds show tissue at the scale it was trained on; a region model the whole box, at most 1024 px a side.
 */
export function patchOf(
  box: { left: number; top: number; width: number; height: number },
  section: Pick<SectionRecord, 'width' | 'height' | 'micronsPerPixel'>,
  model: Pick<QueryModel, 'info'>,
) {
  const image = model.info.image;
  const modelMpp = image?.micronsPerPixel ?? null;
  if (!image || !modelMpp) {
    const f = Math.min(1, REGION_PATCH_SIDE / Math.max(box.width, box.height));
    const out = { width: Math.max(1, Math.round(box.width * f)), height: Math.max(1, Math.round(box.height * f)) };
    return { rect: box, out, micronsPerPixel: null, grown: false };
  }
  const tile = (image.size * modelMpp) / section.micronsPerPixel;
  const grow = (start: number, length: number, extent: number) => {
    const grown = Math.min(extent, Math.max(length, Math.round(tile)));
    const from = Math.round(start + length / 2 - grown / 2);
    return [Math.min(Math.max(0, from), extent - grown), grown] as const;
  };
  const [left, width] = grow(box.left, box.width, section.width);
  const [top, height] = grow(box.top, box.height, section.height);
  const toModel = section.micronsPerPixel / modelMpp;
  const out = { width: Math.max(1, Math.round(width * toModel)), height: Math.max(1, Math.round(height * toModel)) };
  return {
    rect: { left, top, width, height },
    out,
    micronsPerPixel: (width * section.micronsPerPixel) / out.width,
    grown: width !== box.width || height !== box.height,
  };
}

/**
 * One page without the example items. The ranking is read from its head to past the page (and, where the lexical list
 * is fused, to the whole fused head), the examples dropped, the page cut; `total` loses the examples the ranking
 * holds. Examples past the pages read (negatives far down a dense ranking) are looked up in their own section with the
 * request's filter, minScore and perSection, so the pages still return exactly `total` results together.
 */
export async function retrieveExcluding(
  service: SearchService,
  input: RetrieveInput,
  exclude: string[],
): Promise<RetrievedPage> {
  const { offset, limit } = input.options;
  const excluded = new Set(exclude);
  const fusedMode = input.retrieval !== 'dense' && input.text !== undefined;
  const fusedHead = fusedMode ? 2 * (input.fusion ?? FUSION).depth : 0;
  const want = Math.min(service.config.maxWindow, Math.max(offset + limit + excluded.size, fusedHead));
  const read = await retrieve(service.backend.vectors, {
    ...input,
    options: { ...input.options, offset: 0, limit: want },
  });
  const seen = read.hits.filter((h) => excluded.has(h.id)).map((h) => h.id);
  const denseOnly = read.hits.every((h, i) => h.rank.lexical === undefined && h.rank.dense === i + 1);
  const kept = read.hits
    .filter((h) => !excluded.has(h.id))
    .map((h, i): RankedHit => (denseOnly ? { ...h, rank: { dense: i + 1 } } : h));
  // A dense ranking longer than the pages read (asked for, or fallen back to) may hold examples further down.
  const unseen = read.hits.length >= want && denseOnly ? exclude.filter((id) => !seen.includes(id)) : [];
  const beyond = unseen.length ? await rankedBeyond(service, input, unseen) : 0;
  return {
    hits: kept.slice(offset, offset + limit),
    total: Math.max(0, read.total - seen.length - beyond),
    totalExact: read.totalExact,
    notices: read.notices,
  };
}

/** How many of these examples the dense ranking holds (under filter, minScore and perSection), section by section. */
async function rankedBeyond(service: SearchService, input: RetrieveInput, ids: string[]): Promise<number> {
  const items = await service.items(ids);
  const { filter, minScore, perSection } = input.options as SearchOptions;
  const bySection = new Map<string, string[]>();
  for (const id of ids) {
    const item = items.get(id);
    if (!item) continue;
    if (filter.sections && !filter.sections.includes(item.section)) continue;
    if (filter.atlases && !filter.atlases.includes(item.atlas)) continue;
    const key = JSON.stringify([item.atlas, item.section]);
    bySection.set(key, [...(bySection.get(key) ?? []), id]);
  }
  let held = 0;
  for (const [key, group] of bySection) {
    const [atlas, section] = JSON.parse(key) as [string, string];
    const scored = await service.backend.vectors.scoreAll(input.collection, input.vector, {
      ...filter,
      atlases: [atlas],
      sections: [section],
    });
    const passing = scored.filter((h) => minScore === undefined || h.score >= minScore);
    for (const id of group) {
      const hit = passing.find((h) => h.id === id);
      if (!hit) continue;
      if (perSection !== undefined && passing.filter((h) => h.score > hit.score).length >= perSection) continue;
      held++;
    }
  }
  return held;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
