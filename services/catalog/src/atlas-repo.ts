import { and, asc, eq, sql } from 'drizzle-orm';
import type { Specimen } from '@cytoclip/domain';
import { rows, type Db } from './db.js';
import { annotations, atlases, ingestRuns, outbox, sections, specimens } from './schema.js';
import { withdrawAtlas } from './withdrawal-repo.js';
import type { AnnotationInput, AtlasInput, AtlasSummary, SectionDetail, SectionInput, SpecimenRow } from './types.js';

export async function upsertAtlas(db: Db, atlas: AtlasInput): Promise<void> {
  const values = {
    name: atlas.name,
    manifest: atlas.manifest,
    generator: atlas.manifest.generator ?? null,
    root: atlas.root,
  };
  await db
    .insert(atlases)
    .values(values)
    .onConflictDoUpdate({
      target: atlases.name,
      set: { manifest: values.manifest, generator: values.generator, root: values.root },
    });
}

interface AtlasCountsRow {
  name: string;
  root: string;
  generator: AtlasSummary['generator'];
  created_at: string | Date;
  specimens: number;
  sections: number;
  tiles: number;
  region_images: number;
}

export async function listAtlases(db: Db, name?: string): Promise<AtlasSummary[]> {
  const where = name === undefined ? sql`` : sql`WHERE a.name = ${name}`;
  const found = await rows<AtlasCountsRow>(
    db,
    sql`SELECT a.name, a.root, a.generator, a.created_at,
      (SELECT count(*) FROM specimens s WHERE s.atlas = a.name)::int AS specimens,
      (SELECT count(*) FROM sections s WHERE s.atlas = a.name)::int AS sections,
      (SELECT count(*) FROM tiles t WHERE t.atlas = a.name)::int AS tiles,
      (SELECT count(*) FROM region_images r WHERE r.atlas = a.name)::int AS region_images
      FROM atlases a ${where} ORDER BY a.name`,
  );
  return found.map((r) => ({
    name: r.name,
    root: r.root,
    generator: r.generator ?? null,
    createdAt: new Date(r.created_at),
    specimens: r.specimens,
    sections: r.sections,
    tiles: r.tiles,
    regionImages: r.region_images,
  }));
}

/**
 * Foreign keys cascade from the atlas to specimens, sections and what hangs off them; runs and outbox by name; a
 * withdrawal tells the indexer to drop its points.
 */
export async function deleteAtlas(db: Db, name: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.delete(outbox).where(eq(outbox.atlas, name));
    await tx.delete(ingestRuns).where(eq(ingestRuns.atlas, name));
    const deleted = await tx.delete(atlases).where(eq(atlases.name, name)).returning({ name: atlases.name });
    // Whoever holds the vector store (the indexer) drops the atlas's points, even when this process has none.
    if (deleted.length > 0) await withdrawAtlas(tx as unknown as Db, name);
    return deleted.length > 0;
  });
}

export async function upsertSpecimens(db: Db, atlas: string, list: Specimen[]): Promise<void> {
  if (list.length === 0) return;
  const values = list.map((s) => ({
    atlas,
    id: s.id,
    gestationalWeek: s.gestationalWeek,
    ageSource: s.ageSource ?? null,
    notes: s.notes ?? null,
  }));
  await db
    .insert(specimens)
    .values(values)
    .onConflictDoUpdate({
      target: [specimens.atlas, specimens.id],
      set: {
        gestationalWeek: sql`excluded.gestational_week`,
        ageSource: sql`excluded.age_source`,
        notes: sql`excluded.notes`,
      },
    });
}

export async function listSpecimens(db: Db, atlas?: string): Promise<SpecimenRow[]> {
  const found = await db
    .select()
    .from(specimens)
    .where(atlas === undefined ? undefined : eq(specimens.atlas, atlas))
    .orderBy(asc(specimens.atlas), asc(specimens.gestationalWeek), asc(specimens.id));
  return found.map((s) => ({
    atlas: s.atlas,
    id: s.id,
    gestationalWeek: s.gestationalWeek,
    ...(s.ageSource === null ? {} : { ageSource: s.ageSource }),
    ...(s.notes === null ? {} : { notes: s.notes }),
  }));
}

export async function upsertSection(db: Db, section: SectionInput): Promise<void> {
  const { atlas: _a, id: _i, ...rest } = section;
  await db
    .insert(sections)
    .values(section)
    .onConflictDoUpdate({ target: [sections.atlas, sections.id], set: rest });
}

export async function replaceAnnotations(
  db: Db,
  atlas: string,
  section: string,
  list: AnnotationInput[],
): Promise<void> {
  await db.delete(annotations).where(and(eq(annotations.atlas, atlas), eq(annotations.section, section)));
  if (list.length === 0) return;
  await db.insert(annotations).values(list.map((a) => ({ atlas, section, region: a.region, geometry: a.geometry })));
}

export async function getSection(db: Db, id: string, atlas?: string): Promise<SectionDetail | null> {
  const found = await db
    .select({ section: sections, gestationalWeek: specimens.gestationalWeek })
    .from(sections)
    .innerJoin(specimens, and(eq(specimens.atlas, sections.atlas), eq(specimens.id, sections.specimen)))
    .where(atlas === undefined ? eq(sections.id, id) : and(eq(sections.id, id), eq(sections.atlas, atlas)))
    .orderBy(asc(sections.atlas))
    .limit(1);
  const row = found[0];
  if (!row) return null;
  const polygons = await db
    .select({ region: annotations.region, geometry: annotations.geometry })
    .from(annotations)
    .where(and(eq(annotations.atlas, row.section.atlas), eq(annotations.section, id)))
    .orderBy(asc(annotations.id));
  return {
    ...toSection(row.section),
    gestationalWeek: row.gestationalWeek,
    annotations: polygons as AnnotationInput[],
  };
}

export async function listSections(db: Db, atlas: string): Promise<SectionInput[]> {
  const found = await db
    .select()
    .from(sections)
    .where(eq(sections.atlas, atlas))
    .orderBy(asc(sections.specimen), asc(sections.plane), asc(sections.index));
  return found.map(toSection);
}

function toSection(row: typeof sections.$inferSelect): SectionInput {
  return { ...row, plane: row.plane as SectionInput['plane'] };
}
