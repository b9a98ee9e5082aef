/** What an uploaded or pasted image must be before it is sent: a type the server decodes, under the size limit. */
export const ACCEPTED_TYPES = ['image/png', 'image/jpeg', 'image/tiff', 'image/webp'] as const;
// The API takes bodies up to 16 MiB; base64 grows a file by a third.
export const MAX_IMAGE_BYTES = 12 * 1024 * 1024;
/** The API refuses images over 4096 x 4096 pixels (services/query maxImagePixels). */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

export interface FileLike {
  name: string;
  type: string;
  size: number;
}

const EXTENSION_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  webp: 'image/webp',
};

/** Some systems give TIFFs no MIME type: fall back to the extension. */
function typeOf(file: FileLike): string {
  if (file.type) return file.type;
  return EXTENSION_TYPES[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? '';
}

/** A message saying what is wrong with the file, or null when it can be sent. */
export function imageProblem(file: FileLike): string | null {
  const type = typeOf(file);
  if (!(ACCEPTED_TYPES as readonly string[]).includes(type)) {
    return `"${file.name}" is not an image this search reads (${type || 'unknown type'}). Use PNG, JPEG, TIFF or WebP.`;
  }
  if (file.size > MAX_IMAGE_BYTES) {
    const mb = (file.size / 1024 / 1024).toFixed(1);
    return `"${file.name}" is ${mb} MB; the limit is ${MAX_IMAGE_BYTES / 1024 / 1024} MB. Crop or downscale it and try again.`;
  }
  if (file.size === 0) return `"${file.name}" is empty.`;
  return null;
}

/** A message when the decoded image has more pixels than the API takes, or null. */
export function pixelProblem(name: string, width: number, height: number): string | null {
  if (width * height <= MAX_IMAGE_PIXELS) return null;
  return `"${name}" is ${width} × ${height} pixels; the limit is 4096 × 4096. Crop or downscale it and try again.`;
}
