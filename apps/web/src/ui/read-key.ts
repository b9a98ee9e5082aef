/**
 * The read key of a private deployment (the server's CYTOCLIP_READ_KEY). The app asks for it once, at the first 401,
 * and keeps it for the tab only (sessionStorage: gone when the tab closes, never written to disk by the app). Every
 * call the app makes sends it as `Authorization: Bearer`; images and Deep Zoom tiles, which the browser fetches by URL
 * without headers, get it from a session cookie (SameSite=Strict, path /v1/) that the server honours only for reads
 * by GET. Any wider key (ingest, admin) also reads, but the app never needs one.
 */
const STORAGE = 'cytoclip.readKey';

/** The browser parts the key uses, typed here: this file is also type-checked without the DOM library. */
interface Browser {
  sessionStorage?: {
    getItem(key: string): string | null;
    setItem(key: string, value: string): void;
    removeItem(key: string): void;
  };
  document?: { cookie: string };
  prompt?: (message: string) => string | null;
}
const browser = () => globalThis as unknown as Browser;
/** The server's READ_KEY_COOKIE (services/query src/routes/auth.ts). */
const COOKIE = 'cytoclip_read_key';

export function readKey(): string | null {
  try {
    return browser().sessionStorage?.getItem(STORAGE) ?? null;
  } catch {
    return null; // storage blocked: no key
  }
}

/** Keeps (or, with null, forgets) the key for this tab, with its cookie for images. */
export function setReadKey(key: string | null): void {
  try {
    if (key) browser().sessionStorage?.setItem(STORAGE, key);
    else browser().sessionStorage?.removeItem(STORAGE);
  } catch {
    // storage blocked: the key lasts for this page only, through the cookie
  }
  const page = browser().document;
  if (!page) return;
  page.cookie = key
    ? `${COOKIE}=${encodeURIComponent(key)}; Path=/v1/; SameSite=Strict`
    : `${COOKIE}=; Path=/v1/; SameSite=Strict; Max-Age=0`;
}

/** The request with the key's Authorization header, when a key is kept. */
export function withReadKey(init: RequestInit = {}): RequestInit {
  const key = readKey();
  if (!key) return init;
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${key}`);
  return { ...init, headers };
}

/**
 * Asks the person for the key after a 401 (a private deployment, or a key that changed): true when one was given,
 * and the caller retries once. A wrong key is forgotten first, so the question comes again rather than a loop of 401s.
 */
export function askForReadKey(): boolean {
  setReadKey(null);
  const { prompt } = browser();
  if (typeof prompt !== 'function') return false;
  const key = prompt('This server is private: enter its read key (kept for this tab only).')?.trim();
  if (!key) return false;
  setReadKey(key);
  return true;
}
