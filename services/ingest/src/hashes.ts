import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

interface Entry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/**
 * SHA-256 of source files, remembered by path, size and modification time in a small JSON file under DATA_DIR, so a
 * rerun over an unchanged atlas reads no image again (a file rewritten in place gets a new mtime and is hashed anew).
 * Several processes may share the file: each writes it whole under a temporary name and renames it (last one wins;
 * it is only a cache).
 */
export class FileHashes {
  private entries: Map<string, Entry> | null = null;
  private dirty = false;

  constructor(
    private readonly file: string,
    /** Files of at least this many bytes are hashed by samples (see sampledHash). */
    private readonly sampleFrom = SAMPLE_FROM,
  ) {}

  async of(path: string): Promise<string> {
    const entries = await this.load();
    const { size, mtimeMs } = await stat(path);
    const known = entries.get(path);
    if (known && known.size === size && known.mtimeMs === mtimeMs) return known.sha256;
    const sha256 = size >= this.sampleFrom ? await sampledHash(path, size) : await hashFile(path);
    entries.set(path, { size, mtimeMs, sha256 });
    this.dirty = true;
    return sha256;
  }

  async save(): Promise<void> {
    if (!this.dirty || !this.entries) return;
    this.dirty = false;
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(Object.fromEntries(this.entries)));
    await rename(tmp, this.file);
  }

  private async load(): Promise<Map<string, Entry>> {
    if (this.entries) return this.entries;
    let parsed: Record<string, Entry> = {};
    try {
      parsed = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, Entry>;
    } catch {
      // Missing or unreadable: start empty (every file is hashed once more).
    }
    this.entries ??= new Map(Object.entries(parsed));
    return this.entries;
  }
}

/** Files this large (a DHARANI 64,000² section is 2-5 GB) are hashed by samples: reading them whole costs minutes. */
export const SAMPLE_FROM = 1 << 30;
const SAMPLE = 1 << 20;
const SAMPLES = 16;

/**
 * The content hash of a big file, read in 18 MiB whatever its size: SHA-256 over its size, its first and last MiB
 * (a TIFF's header and first IFD, and where writers append the last IFDs) and 16 one-MiB blocks spread evenly between.
 * The modification time is left out, so a moved or copied file keeps its hash; a change that touches none of the
 * samples and keeps the size goes unseen (replace the section to force it, `--replace`).
 */
export async function sampledHash(path: string, size: number): Promise<string> {
  const hash = createHash('sha256').update(`sampled/1 ${size}\n`);
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SAMPLE);
    const starts = [0, ...Array.from({ length: SAMPLES }, (_, i) => Math.floor(((i + 1) * size) / (SAMPLES + 2)))];
    starts.push(Math.max(0, size - SAMPLE));
    for (const start of starts) {
      const { bytesRead } = await file.read(buffer, 0, SAMPLE, start);
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
