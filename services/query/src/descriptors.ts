import { loadThesaurus } from '@cytoclip/domain';
import type { QueryModel } from './ports.js';

/**
 * "Why this match": the thesaurus's cytoarchitectural descriptors (density, cell size, shape, orientation, layering
 * …: services/domain/thesaurus/neuroanatomy.json `descriptors`, the words the trainer's captions use) scored on a
 * tile's embedding with the tile model's text tower. Each descriptor is the mean of its phrases' embeddings
 * (re-normalised, as the model's region prompts are); its score is its cosine to the tile minus the mean cosine of all
 * descriptors, so a positive score means "more this than the average descriptor", whatever the model's cosine scale.
 * The phrases are embedded once per model and kept.
 */
export interface DescriptorScore {
  /** The thesaurus key, e.g. `dense`, `layered`. */
  descriptor: string;
  /** The descriptor's phrase that scores highest on the tile, e.g. "densely packed". */
  text: string;
  /** Cosine minus the mean over all descriptors. */
  score: number;
  cosine: number;
}

interface DescriptorSpace {
  keys: string[];
  phrases: string[][];
  means: Float32Array[];
  phraseVectors: Float32Array[][];
}

type WithDescriptors = { descriptors?: Record<string, string[]> };

export class DescriptorScorer {
  private readonly spaces = new Map<string, Promise<DescriptorSpace>>();
  private readonly descriptors: [string, string[]][];

  constructor(descriptors?: Record<string, string[]>) {
    const table = descriptors ?? (loadThesaurus() as unknown as WithDescriptors).descriptors ?? {};
    this.descriptors = Object.entries(table).filter(([, phrases]) => phrases.length > 0);
  }

  get size(): number {
    return this.descriptors.length;
  }

  /** The `top` descriptors that score highest on `vector`, best first, and the mean cosine they are relative to. */
  async explain(
    model: QueryModel,
    vector: Float32Array,
    top = 5,
  ): Promise<{ descriptors: DescriptorScore[]; mean: number }> {
    const space = await this.space(model);
    const cosines = space.means.map((m) => dot(m, vector));
    const mean = cosines.reduce((s, c) => s + c, 0) / (cosines.length || 1);
    const ranked = space.keys
      .map((descriptor, i) => {
        const best = bestPhrase(space.phrases[i]!, space.phraseVectors[i]!, vector);
        return { descriptor, text: best, score: cosines[i]! - mean, cosine: cosines[i]! };
      })
      .sort((a, b) => b.score - a.score);
    return { descriptors: ranked.slice(0, top), mean };
  }

  private space(model: QueryModel): Promise<DescriptorSpace> {
    const key = model.info.id;
    let space = this.spaces.get(key);
    if (!space) {
      space = this.embed(model);
      this.spaces.set(key, space);
      space.catch(() => this.spaces.delete(key)); // a failed embedding is tried again next time
    }
    return space;
  }

  private async embed(model: QueryModel): Promise<DescriptorSpace> {
    const flat = this.descriptors.flatMap(([, phrases]) => phrases);
    const vectors = await model.embedTexts(flat);
    const phraseVectors: Float32Array[][] = [];
    let at = 0;
    for (const [, phrases] of this.descriptors) {
      phraseVectors.push(vectors.slice(at, at + phrases.length));
      at += phrases.length;
    }
    return {
      keys: this.descriptors.map(([k]) => k),
      phrases: this.descriptors.map(([, p]) => p),
      means: phraseVectors.map(meanNormalized),
      phraseVectors,
    };
  }
}

function bestPhrase(phrases: string[], vectors: Float32Array[], tile: Float32Array): string {
  let best = 0;
  for (let i = 1; i < vectors.length; i++) if (dot(vectors[i]!, tile) > dot(vectors[best]!, tile)) best = i;
  return phrases[best]!;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function meanNormalized(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < v.length; i++) out[i]! += v[i]!;
  const norm = Math.hypot(...out) || 1;
  return out.map((x) => x / norm);
}
