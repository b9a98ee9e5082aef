import { CytoclipError, isErrorCode } from '@cytoclip/domain';
import { stringOption, type CommandArgs } from './command.js';
import { ServerError } from './errors.js';
import { openPlatform, settingsFromEnv } from './platform.js';

/**
 * The search API as the commands call it: over HTTP with `--api URL`, or in-process over the local stores (the same
 * app, without a socket). A 4xx answer is a CytoclipError carrying the status (exit 2); a 5xx from `--api`, or no
 * answer at all, a ServerError (exit 3); this process's own 5xx a runtime failure (exit 1).
 */
export interface ApiClient {
  /** The server's URL, or `local` for the in-process app. */
  readonly where: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  postForm<T>(path: string, form: FormData): Promise<T>;
  close(): Promise<void>;
}

type Send = (path: string, init: RequestInit) => Promise<Response>;

/** `--api` when given, else the local stores of DATA_DIR (which the caller must close). */
export async function openApi(args: CommandArgs): Promise<ApiClient> {
  const api = stringOption(args, 'api');
  if (api !== undefined) return remoteApi(api);
  // In process there is no HTTP client to log, key or throttle: the keys guard the server, not DATA_DIR.
  const platform = await openPlatform(settingsFromEnv(), {
    config: { logLevel: 'silent', readKey: null, rateLimit: 0 },
  });
  return { ...appClient(platform.api.app), close: () => platform.close() };
}

/** A client over an app's `request` in this process (a 5xx here is this process's own failure, exit 1). */
export function appClient(app: { request(path: string, init: RequestInit): Response | Promise<Response> }): ApiClient {
  return client(
    'local',
    (path, init) => Promise.resolve(app.request(path, init)),
    false,
    () => Promise.resolve(),
  );
}

export function remoteApi(url: string): ApiClient {
  let base: URL;
  try {
    base = new URL(url.endsWith('/') ? url : `${url}/`);
  } catch {
    throw new CytoclipError('invalid_argument', `--api must be a URL such as http://127.0.0.1:8080, got "${url}"`);
  }
  const send: Send = async (path, init) => {
    try {
      return await fetch(new URL(path.replace(/^\//, ''), base), init);
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new ServerError(`cannot reach ${base.href}: ${cause}`, null);
    }
  };
  return client(url, send, true, () => Promise.resolve());
}

function client(where: string, send: Send, remote: boolean, close: () => Promise<void>): ApiClient {
  const call = async <T>(path: string, init: RequestInit): Promise<T> => answer<T>(await send(path, init), remote);
  return {
    where,
    get: (path) => call(path, { method: 'GET' }),
    post: (path, body) =>
      call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    postForm: (path, form) => call(path, { method: 'POST', body: form }),
    close,
  };
}

interface Problem {
  title?: string;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
}

async function answer<T>(res: Response, remote: boolean): Promise<T> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: reported below with the first bytes
  }
  if (res.ok && body !== null) return body as T;
  const problem = (body ?? {}) as Problem;
  const message = `${res.status} ${problem.title ?? res.statusText}: ${problem.detail ?? (text.slice(0, 200) || 'no answer body')}`;
  const detail = { status: res.status, ...(problem.errors ? { errors: problem.errors } : {}) };
  if (res.ok) throw new ServerError(`the server's answer is not JSON (${message})`, res.status);
  if (res.status >= 500) {
    if (remote) throw new ServerError(message, res.status, detail);
    throw new CytoclipError(isErrorCode(problem.code) ? problem.code : 'internal', message, {
      status: res.status,
      detail,
    });
  }
  throw new CytoclipError(isErrorCode(problem.code) ? problem.code : 'request_refused', message, {
    status: res.status,
    detail,
  });
}
