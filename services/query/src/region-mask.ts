import sharp from 'sharp';

type Position = number[];
interface Feature {
  properties?: { region?: string; classification?: { name?: string } } | null;
  geometry?: { type?: string; coordinates?: unknown } | null;
}

/** The rings of a region's polygons in an annotation FeatureCollection (level-0 pixels). */
export function regionRings(annotations: unknown, region: string): Position[][] {
  const features = (annotations as { features?: Feature[] } | null)?.features ?? [];
  const rings: Position[][] = [];
  for (const f of features) {
    const name = f.properties?.region ?? f.properties?.classification?.name;
    if (name !== region || !f.geometry) continue;
    const polygons =
      f.geometry.type === 'Polygon'
        ? [f.geometry.coordinates]
        : f.geometry.type === 'MultiPolygon'
          ? (f.geometry.coordinates as unknown[])
          : [];
    for (const polygon of polygons as Position[][][]) rings.push(...polygon);
  }
  return rings;
}

/**
 * Whitens everything outside the region's polygons, as the ingest's masked crops do, so a region image shows the
 * region and not its neighbours. `bbox` is the crop's level-0 rectangle and the image its pixels at any scale.
 */
export async function maskToRegion(
  image: Buffer,
  bbox: { left: number; top: number; width: number; height: number },
  rings: Position[][],
  format: 'png' | 'jpeg',
): Promise<Buffer> {
  const meta = await sharp(image).metadata();
  const width = meta.width!;
  const height = meta.height!;
  const sx = width / bbox.width;
  const sy = height / bbox.height;
  const path = rings
    .map(
      (ring) =>
        `M${ring.map(([x = 0, y = 0]) => `${((x - bbox.left) * sx).toFixed(2)},${((y - bbox.top) * sy).toFixed(2)}`).join('L')}Z`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><path d="${path}" fill="#fff" fill-rule="evenodd"/></svg>`;
  const masked = sharp(image)
    .ensureAlpha()
    .composite([{ input: Buffer.from(svg), blend: 'dest-in' }]);
  const flat = sharp(await masked.png().toBuffer()).flatten({ background: '#ffffff' });
  return format === 'png' ? flat.png().toBuffer() : flat.jpeg({ quality: 85 }).toBuffer();
}
