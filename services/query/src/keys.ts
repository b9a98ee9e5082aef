import { createHash, timingSafeEqual } from 'node:crypto';
import type { QueryConfig } from './config.js';

/** What a key may do; each scope includes the ones before it (an admin key also ingests and reads). */
export type Scope = 'read' | 'ingest' | 'admin';
export const SCOPES: Scope[] = ['read', 'ingest', 'admin'];
const RANK: Record<Scope, number> = { read: 1, ingest: 2, admin: 3 };
/** The variable that sets each scope's key, for messages. */
export const KEY_VARIABLE: Record<Scope, string> = {
  read: 'CYTOCLIP_READ_KEY',
  ingest: 'CYTOCLIP_INGEST_KEY',
  admin: 'CYTOCLIP_API_KEY',
};

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function includes(granted: Scope, needed: Scope): boolean {
  return RANK[granted] >= RANK[needed];
}

/**
 * The configured keys, kept only as SHA-256 digests. A presented key is hashed and compared with every configured
 * digest by timingSafeEqual: the digests are all 32 bytes, so neither a key's length nor how much of it matched nor
 * which key matched shows in the time taken (comparing the raw strings leaked the length).
 */
export class KeyRing {
  private readonly keys: { scope: Scope; digest: Buffer }[];

  constructor(config: Pick<QueryConfig, 'apiKey' | 'ingestKey' | 'readKey'>) {
    const configured: [Scope, string | null][] = [
      ['admin', config.apiKey],
      ['ingest', config.ingestKey],
      ['read', config.readKey],
    ];
    this.keys = configured.flatMap(([scope, key]) => (key ? [{ scope, digest: sha256(key) }] : []));
  }

  /** The widest scope the presented key grants, or null for a key this server does not know. */
  scopeOf(presented: string): Scope | null {
    const digest = sha256(presented);
    let granted: Scope | null = null;
    for (const key of this.keys) {
      const match = timingSafeEqual(digest, key.digest); // every key is compared, even after a match
      if (match && (granted === null || RANK[key.scope] > RANK[granted])) granted = key.scope;
    }
    return granted;
  }

  /** Whether any configured key grants `scope` (an admin key grants ingest, and so on). */
  canGrant(scope: Scope): boolean {
    return this.keys.some((k) => includes(k.scope, scope));
  }
}
