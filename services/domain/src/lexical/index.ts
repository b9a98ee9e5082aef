export { analyze, foldPlural } from './analyzer.js';
export { BM25, documentVector, lexicalQuery, queryVector, termId, type SparseVector } from './sparse.js';
export {
  AnnotationText,
  DEFAULT_LEXICAL_FIELDS,
  LEXICAL_FIELDS,
  loadThesaurus,
  type LexicalField,
  type LexicalRegion,
  type Thesaurus,
  type ThesaurusEntry,
} from './annotation-text.js';
