import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { atlasRootsFromEnv, isInside, resolveInAtlas } from '@cytoclip/domain';

// A root with an atlas, a downloads folder under the roots, and a secret outside them.
const base = mkdtempSync(join(tmpdir(), 'cytoclip-paths-'));
const roots = join(base, 'atlases');
const atlas = join(roots, 'lab');
const downloads = join(roots, 'downloads');
const outside = join(base, 'private');
for (const dir of [join(atlas, 'images'), downloads, outside]) mkdirSync(dir, { recursive: true });
writeFileSync(join(atlas, 'images', 'a.png'), 'png');
writeFileSync(join(downloads, 'b.png'), 'png');
writeFileSync(join(outside, 'secret.png'), 'root:x:0:0');
symlinkSync(join(downloads, 'b.png'), join(atlas, 'images', 'linked.png'));
symlinkSync(join(outside, 'secret.png'), join(atlas, 'images', 'secret.png'));
symlinkSync(outside, join(atlas, 'private-dir'));
symlinkSync(join(atlas, 'images', 'a.png'), join(atlas, 'alias.png'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const refusal = (field: string, path: string) => ({
  code: 'atlas_path_refused',
  status: 422,
  detail: { field, path },
  message: expect.stringContaining(JSON.stringify(path)),
});

describe('resolveInAtlas', () => {
  it('resolves relative paths inside the atlas, and links whose target lies under the atlas roots', async () => {
    expect(await resolveInAtlas(atlas, 'images/a.png', [roots])).toBe(join(atlas, 'images', 'a.png'));
    expect(await resolveInAtlas(atlas, './images/../images/a.png', [roots])).toBe(join(atlas, 'images', 'a.png'));
    expect(await resolveInAtlas(atlas, 'images/linked.png', [roots])).toBe(join(downloads, 'b.png'));
    expect(await resolveInAtlas(atlas, 'alias.png', [])).toBe(join(atlas, 'images', 'a.png'));
    // A missing file stays a path inside the atlas: the caller reports it missing.
    expect(await resolveInAtlas(atlas, 'images/none.png', [roots])).toBe(join(atlas, 'images', 'none.png'));
  });

  it.each([
    ['/etc/passwd', 'must be relative'],
    [join(atlas, 'images', 'a.png'), 'must be relative'],
    ['C:\\Windows\\win.ini', 'must be relative'],
    ['../downloads/b.png', 'leaves the atlas folder'],
    ['images/../../../private/secret.png', 'leaves the atlas folder'],
    ['.', 'leaves the atlas folder'],
    ['images/a.png\0.json', 'NUL'],
    ['', 'must name a file'],
  ])('refuses %j, naming it', async (path, why) => {
    const error = await resolveInAtlas(atlas, path, [roots], 'image').catch((e: unknown) => e);
    expect(error).toMatchObject(refusal('image', path));
    expect((error as Error).message).toContain(why);
  });

  it('refuses a link whose target lies outside the atlas and the roots, without reading it', async () => {
    for (const path of ['images/secret.png', 'private-dir/secret.png']) {
      const error = await resolveInAtlas(atlas, path, [roots], 'annotations').catch((e: unknown) => e);
      expect(error).toMatchObject(refusal('annotations', path));
      expect((error as Error).message).toContain('outside the atlas folder and the atlas roots');
      expect((error as Error).message).not.toContain('root:x');
    }
    // The downloads link is refused too when its folder is not a root.
    await expect(resolveInAtlas(atlas, 'images/linked.png', [])).rejects.toMatchObject({ code: 'atlas_path_refused' });
  });
});

describe('atlas roots', () => {
  it('reads CYTOCLIP_ATLAS_ROOTS, else DATA_DIR/atlases, as absolute paths', () => {
    expect(atlasRootsFromEnv({ CYTOCLIP_ATLAS_ROOTS: '/a::/b' })).toEqual(['/a', '/b']);
    expect(atlasRootsFromEnv({ DATA_DIR: '/d' })).toEqual(['/d/atlases']);
    expect(atlasRootsFromEnv({}, '/x')).toEqual(['/x/atlases']);
  });

  it('tells inside from beside', () => {
    expect(isInside('/a/b', '/a')).toBe(true);
    expect(isInside('/a', '/a')).toBe(true);
    expect(isInside('/ab', '/a')).toBe(false);
    expect(isInside('/a/..b', '/a')).toBe(true);
    expect(isInside('/b', '/a')).toBe(false);
  });
});
