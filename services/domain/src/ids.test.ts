import { describe, expect, it } from 'vitest';
import { DEFAULT_TILE_GRID, isUuid, tileId, tileKey, uuidV5 } from '@cytoclip/domain';

describe('ids', () => {
  it('makes RFC 4122 v5 UUIDs (known vector: python uuid.uuid5(NAMESPACE_DNS, "python.org"))', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });
  it('keys tiles by atlas, section, grid and position', () => {
    expect(tileKey('a', 's', DEFAULT_TILE_GRID, 224, 448)).toBe('a/s/1/224/224/448');
    expect(tileId('a', 's', DEFAULT_TILE_GRID, 0, 0)).not.toBe(tileId('a', 's', DEFAULT_TILE_GRID, 224, 0));
  });
});

describe('isUuid', () => {
  it('accepts canonical UUIDs in either case and nothing else', () => {
    expect(isUuid(uuidV5('a'))).toBe(true);
    expect(isUuid(uuidV5('a').toUpperCase())).toBe(true);
    for (const bad of ['', 'x', uuidV5('a').replace(/-/g, ''), `${uuidV5('a')} `, `{${uuidV5('a')}}`])
      expect(isUuid(bad)).toBe(false);
  });
});
