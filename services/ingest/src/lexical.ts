import type { Catalog } from '@cytoclip/catalog';
import { AnnotationText, loadThesaurus, type Thesaurus } from '@cytoclip/domain';
import type { PointPayload, VectorPoint } from '@cytoclip/vectors';

let thesaurus: Thesaurus | null = null;

/**
 * The lexical text builder over the catalog's ontology (every atlas's regions, as merged at ingest) and the
 * thesaurus (read once per process). Built where points move into the vector store and by `cytoclip reindex`, so
 * every stored point's lexical vector comes from the same function.
 */
export async function annotationText(catalog: Pick<Catalog, 'listRegions'>): Promise<AnnotationText> {
  thesaurus ??= loadThesaurus();
  return new AnnotationText(await catalog.listRegions(), thesaurus);
}

/**
 * The point with the lexical vector of its region at its gestational week (none when its region has no text, and
 * none for an unannotated point: region null has no annotation text, so only the dense list reaches it).
 */
export function withLexical(text: AnnotationText, point: Omit<VectorPoint, 'lexical'>): VectorPoint {
  const payload: PointPayload = point.payload;
  if (payload.region === null) return { ...point };
  const lexical = text.vector(payload.region, payload.gestationalWeek);
  return lexical.indices.length > 0 ? { ...point, lexical } : { ...point };
}
