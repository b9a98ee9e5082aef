import {
  bigserial,
  customType,
  doublePrecision,
  foreignKey,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

// The catalog's tables. drizzle-kit turns this file into SQL under /migrations (`npm run db:generate`); never edit
// the generated SQL by hand. Vectors stay out of PostgreSQL except the outbox's transient bytea (no pgvector).

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
});

const created = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const atlases = pgTable('atlases', {
  name: text('name').primaryKey(),
  manifest: jsonb('manifest').notNull(),
  generator: jsonb('generator'),
  root: text('root').notNull(),
  createdAt: created(),
});

export const specimens = pgTable(
  'specimens',
  {
    atlas: text('atlas')
      .notNull()
      .references(() => atlases.name, { onDelete: 'cascade' }),
    id: text('id').notNull(),
    gestationalWeek: doublePrecision('gestational_week').notNull(),
    ageSource: text('age_source'),
    notes: text('notes'),
  },
  (t) => [primaryKey({ columns: [t.atlas, t.id] })],
);

export const sections = pgTable(
  'sections',
  {
    atlas: text('atlas').notNull(),
    id: text('id').notNull(),
    specimen: text('specimen').notNull(),
    plane: text('plane').notNull(),
    index: integer('index').notNull(),
    stain: text('stain').notNull(),
    micronsPerPixel: doublePrecision('microns_per_pixel').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    levels: integer('levels').notNull(),
    /** The tiled pyramidal TIFF copy, relative to DATA_DIR. */
    imagePath: text('image_path').notNull(),
    /**
     * What the section's rows and points were made from (its manifest entry, the specimen's week, the image's and
     * annotations' content hashes, the ontology's tree): a re-ingest that computes another one withdraws and redoes the
     * section. Null on rows written before fingerprints existed (adopted at the next ingest).
     */
    fingerprint: text('fingerprint'),
  },
  (t) => [
    primaryKey({ columns: [t.atlas, t.id] }),
    foreignKey({ columns: [t.atlas, t.specimen], foreignColumns: [specimens.atlas, specimens.id] }).onDelete('cascade'),
    index('sections_id_idx').on(t.id),
  ],
);

/**
 * The ontology, shared by all atlases and keyed by acronym (an imported ontology's namespaced: `dharani:CP-FCTx`);
 * `path` lists the ancestors root first, then itself, after the paths of the platform regions it is `same_as`.
 */
export const regions = pgTable(
  'regions',
  {
    acronym: text('acronym').primaryKey(),
    sourceId: text('source_id').notNull(),
    name: text('name').notNull(),
    parent: text('parent'),
    description: text('description').notNull(),
    color: text('color').notNull(),
    /** Platform regions this one is mapped to (a mapping table in services/domain/ontologies), or null. */
    sameAs: text('same_as').array(),
    path: text('path').array().notNull(),
  },
  (t) => [index('regions_path_idx').using('gin', t.path)],
);

export const annotations = pgTable(
  'annotations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    atlas: text('atlas').notNull(),
    section: text('section').notNull(),
    region: text('region').notNull(),
    /**
     * GeoJSON Polygon or MultiPolygon in level-0 pixels. `json`, not `jsonb`: only ever stored and returned whole, and
     * jsonb parses every coordinate into a numeric (twice the cost of a section's commit share on PGlite).
     */
    geometry: json('geometry').notNull(),
  },
  (t) => [
    foreignKey({ columns: [t.atlas, t.section], foreignColumns: [sections.atlas, sections.id] }).onDelete('cascade'),
    index('annotations_section_idx').on(t.atlas, t.section),
  ],
);

export const regionImages = pgTable(
  'region_images',
  {
    id: uuid('id').primaryKey(),
    atlas: text('atlas').notNull(),
    section: text('section').notNull(),
    region: text('region').notNull(),
    x: integer('x').notNull(),
    y: integer('y').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    /** Area of the region on this section, in level-0 pixels². */
    area: doublePrecision('area').notNull(),
    /** The masked crop, relative to DATA_DIR, or null when it is re-cut on demand. */
    imagePath: text('image_path'),
  },
  (t) => [
    foreignKey({ columns: [t.atlas, t.section], foreignColumns: [sections.atlas, sections.id] }).onDelete('cascade'),
    index('region_images_section_idx').on(t.atlas, t.section),
  ],
);

export const tiles = pgTable(
  'tiles',
  {
    id: uuid('id').primaryKey(),
    atlas: text('atlas').notNull(),
    section: text('section').notNull(),
    /** Level-0 pixel position of the tile's top-left corner. */
    x: integer('x').notNull(),
    y: integer('y').notNull(),
    /** Edge in pixels at `micronsPerPixel`, and the same edge in level-0 pixels. */
    size: integer('size').notNull(),
    level0Size: integer('level0_size').notNull(),
    micronsPerPixel: doublePrecision('microns_per_pixel').notNull(),
    region: text('region'),
    regionFraction: real('region_fraction').notNull(),
    tissueFraction: real('tissue_fraction').notNull(),
  },
  (t) => [
    foreignKey({ columns: [t.atlas, t.section], foreignColumns: [sections.atlas, sections.id] }).onDelete('cascade'),
    index('tiles_section_idx').on(t.atlas, t.section),
  ],
);

export const models = pgTable('models', {
  /** `name@version`. */
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  version: text('version').notNull(),
  variant: text('variant').notNull(),
  dim: integer('dim').notNull(),
  collection: text('collection').notNull(),
  /** `indexing` until every atlas is embedded and drained into the vector store, then `complete`. */
  status: text('status').notNull().default('indexing'),
  createdAt: created(),
  completedAt: timestamp('completed_at', { withTimezone: true }),
});

export const ingestRuns = pgTable('ingest_runs', {
  id: uuid('id').primaryKey(),
  atlas: text('atlas').notNull(),
  /** Model ids this run embeds with. */
  models: text('models').array().notNull(),
  status: text('status').notNull().default('running'),
  createdAt: created(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
});

export const ingestJobs = pgTable(
  'ingest_jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: uuid('run_id')
      .notNull()
      .references(() => ingestRuns.id, { onDelete: 'cascade' }),
    section: text('section').notNull(),
    /** pending -> leased -> done | failed. An expired lease is taken over by another worker. */
    status: text('status').notNull().default('pending'),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    tiles: integer('tiles').notNull().default(0),
    regionImages: integer('region_images').notNull().default(0),
    /**
     * A section is committed in bands of tile rows, each in its own transaction: bands committed so far (a restarted
     * worker resumes at the next), of how many, the band size (planned tiles per band) fixed by the first band so a
     * resumed job cuts the same bands, and the tiles the section plans (progress within it). Null until a band commits.
     */
    bandsDone: integer('bands_done').notNull().default(0),
    bandsTotal: integer('bands_total'),
    bandTiles: integer('band_tiles'),
    tilesPlanned: integer('tiles_planned'),
    error: jsonb('error'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('ingest_jobs_run_section_idx').on(t.runId, t.section),
    index('ingest_jobs_status_idx').on(t.runId, t.status),
  ],
);

/**
 * The API's ingest requests (POST /v1/ingest → GET /v1/ingest/{id}), kept here so they outlive the serving process.
 * `owner` is the process running one; it renews `lease_expires_at` while alive, so a request whose lease lapsed while
 * queued or running belonged to a process that died, and reads as failed (interrupted) instead of running forever.
 */
export const ingestRequests = pgTable('ingest_requests', {
  id: uuid('id').primaryKey(),
  /** The atlas folder, resolved inside an atlas root. */
  atlasPath: text('atlas_path').notNull(),
  /** The catalog's atlas name, once the ingest has read its manifest. */
  atlas: text('atlas'),
  /** queued -> running -> done | failed. */
  state: text('state').notNull().default('queued'),
  sectionsDone: integer('sections_done').notNull().default(0),
  sectionsTotal: integer('sections_total').notNull().default(0),
  error: text('error'),
  /** The catalog run doing the work (no foreign key: the record outlives a deleted atlas's runs). */
  runId: uuid('run_id'),
  owner: text('owner').notNull(),
  leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }).notNull(),
  createdAt: created(),
  startedAt: timestamp('started_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
});

/** Which model has embedded which section: what makes a rerun of the same atlas a no-op. */
export const sectionEmbeddings = pgTable(
  'section_embeddings',
  {
    atlas: text('atlas').notNull(),
    section: text('section').notNull(),
    model: text('model').notNull(),
    doneAt: created(),
  },
  (t) => [
    primaryKey({ columns: [t.atlas, t.section, t.model] }),
    foreignKey({ columns: [t.atlas, t.section], foreignColumns: [sections.atlas, sections.id] }).onDelete('cascade'),
  ],
);

/**
 * Points the vector store must drop: a section withdrawn because its source changed (or vanished from its atlas), or a
 * whole atlas (`section` null) deleted or replaced. Written with the catalog change, in its transaction; the indexer
 * deletes the points from every collection before it stores any newer point, then deletes the row.
 */
export const withdrawals = pgTable('withdrawals', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  atlas: text('atlas').notNull(),
  section: text('section'),
  createdAt: created(),
});

/** Transactional outbox: points committed with their catalog rows, awaiting the indexer's upsert into a collection. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    collection: text('collection').notNull(),
    pointId: uuid('point_id').notNull(),
    atlas: text('atlas').notNull(),
    /** `json`: written once, read back whole by the indexer, never queried inside. */
    payload: json('payload').notNull(),
    /** Float32 little-endian. */
    vector: bytea('vector').notNull(),
    createdAt: created(),
  },
  (t) => [index('outbox_collection_idx').on(t.collection, t.id)],
);
