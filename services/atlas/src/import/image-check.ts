import sharp, { type Metadata } from 'sharp';
import { CytoclipError } from '@cytoclip/domain';

export interface ImageHeader {
  width: number;
  height: number;
  /** Pages in the file (a pyramid's levels); 1 for a flat image. */
  pages: number;
  format: string;
}

/** Side of the window decoded from the smallest page: enough to hit real tiles, cheap on a 64,000² pyramid. */
const WINDOW = 1024;

function undecodable(file: string, why: string, cause?: unknown): CytoclipError {
  return new CytoclipError('invalid_image', `${file}: the image does not decode (${why})`, {
    status: 422,
    cause,
    detail: { file },
  });
}

/**
 * Reads an image's header and decodes a window of its smallest page (the coarsest pyramid level, read in place), so
 * a file that is not an image, is truncated or is not a TIFF fails here, naming `file`, instead of at ingest. A
 * damaged tile elsewhere in level 0 is left to ingest's strict reads.
 */
export async function checkImage(path: string, file: string): Promise<ImageHeader> {
  let meta: Metadata;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw undecodable(file, firstLine(error), error);
  }
  if (meta.format !== 'tiff') throw undecodable(file, `a ${meta.format ?? 'unknown'} file, not a TIFF`);
  const pages = meta.pages ?? 1;
  try {
    const last = sharp(path, { limitInputPixels: false, page: pages - 1, failOn: 'error' });
    const { width = 0, height = 0 } = await last.metadata();
    await last
      .extract({ left: 0, top: 0, width: Math.min(width, WINDOW), height: Math.min(height, WINDOW) })
      .raw()
      .toBuffer();
  } catch (error) {
    throw undecodable(file, firstLine(error), error);
  }
  return { width: meta.width ?? 0, height: meta.height ?? 0, pages, format: meta.format };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}
