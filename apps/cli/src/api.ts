import { CytoclipError, isErrorCode } from '@cytoclip/domain';
import type {
  ClassifyAnswer,
  HeatmapAnswer,
  Problem,
  RegionTree,
  SearchResponse,
  SpecimenList,
} from '@cytoclip/query/api-types';
import { stringOption, type CommandArgs } from './command.js';
import { ServerError } from './errors.js';
import { openPlatform, settingsFromEnv } from './platform.js';

/**
 * What each route the commands call answers: the types the server's route declarations infer (the schemas
 * /openapi.json is generated from, exported as @cytoclip/query/api-types), never a shape written here.
 */
export interface ApiAnswers {
  '/v1/search': SearchResponse;
  '/v1/search/image': SearchResponse;
  '/v1/classify': ClassifyAnswer;
  '/v1/heatmap': HeatmapAnswer;
  '/v1/regions': RegionTree;
  '/v1/specimens': SpecimenList;
}
export type ApiPath = keyof ApiAnswers;

/**
 * The search API as the commands call it: over HTTP with `--api URL`, or in-process over the local stores (the same
 * app, without a socket). A 4xx answer is a CytoclipError carrying the status (exit 2); a 5xx from `--api`, or no
 * answer at all, a ServerError (exit 3); this process's own 5xx a runtime failure (exit 1). A route of ApiAnswers
 * answers its declared type; the untyped form (a path with parameters, a route added since) takes the caller's.
 */
export interface ApiClient {
  /** The server's URL, or `local` for the in-process app. */
  readonly where: string;
  get<P extends ApiPath>(path: P): Promise<ApiAnswers[P]>;
  get<T>(path: string): Promise<T>;
  post<P extends ApiPath>(path: P, body: unknown): Promise<ApiAnswers[P]>;
  post<T>(path: string, body: unknown): Promise<T>;
  postForm<P extends ApiPath>(path: P, form: FormData): Promise<ApiAnswers[P]>;
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

/**
 * The client of a server at `url`. CYTOCLIP_API_KEY, when set, goes with every request as `Authorization: Bearer`: a
 * private deployment's read key for searches, or the ingest or admin key for the commands that need one.
 */
export function remoteApi(url: string, key: string | undefined = process.env.CYTOCLIP_API_KEY || undefined): ApiClient {
  let base: URL;
  try {
    base = new URL(url.endsWith('/') ? url : `${url}/`);
  } catch {
    throw new CytoclipError('invalid_argument', `--api must be a URL such as http://127.0.0.1:8080, got "${url}"`);
  }
  const send: Send = async (path, init) => {
    try {
      return await fetch(new URL(path.replace(/^\//, ''), base), key ? withKey(init, key) : init);
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new ServerError(`cannot reach ${base.href}: ${cause}`, null);
    }
  };
  return client(url, send, true, () => Promise.resolve());
}

function withKey(init: RequestInit, key: string): RequestInit {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${key}`);
  return { ...init, headers };
}

function client(where: string, send: Send, remote: boolean, close: () => Promise<void>): ApiClient {
  // The body is whatever the server sent; its type is the route's declaration, which the spec-validation suite of
  // services/query holds every answer to.
  const call = async <T>(path: string, init: RequestInit): Promise<T> =>
    (await answer(await send(path, init), remote)) as T;
  return {
    where,
    get: <T>(path: string) => call<T>(path, { method: 'GET' }),
    post: <T>(path: string, body: unknown) =>
      call<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    postForm: <T>(path: string, form: FormData) => call<T>(path, { method: 'POST', body: form }),
    close,
  };
}

async function answer(res: Response, remote: boolean): Promise<unknown> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: reported below with the first bytes
  }
  if (res.ok && body !== null) return body;
  // A problem+json answer as declared; any field may be missing when a proxy or an older server answered.
  const problem = (body ?? {}) as Partial<Problem>;
  const hint = res.status === 401 && remote ? ' (set CYTOCLIP_API_KEY to the key this server expects)' : '';
  const message = `${res.status} ${problem.title ?? res.statusText}: ${problem.detail ?? (text.slice(0, 200) || 'no answer body')}${hint}`;
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
