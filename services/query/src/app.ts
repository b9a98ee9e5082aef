import { OpenAPIHono } from '@hono/zod-openapi';
import { isCytoclipError } from '@cytoclip/domain';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import { DEFAULT_CONFIG, type QueryConfig } from './config.js';
import { RequestProblem, type AppContext } from './http.js';
import { KeyRing } from './keys.js';
import { Metrics } from './metrics.js';
import { documentRoutes } from './openapi.js';
import type { QueryCatalog, QueryIngest, QueryModel, QueryVectors } from './ports.js';
import { errorProblem, problem } from './problem.js';
import { costlyRouteLimit } from './rate-limit.js';
import { analysisRoutes } from './routes/analysis.js';
import { requireScope } from './routes/auth.js';
import { catalogRoutes } from './routes/catalog.js';
import { ingestRoutes } from './routes/ingest.js';
import { DOCS_HTML, opsRoutes } from './routes/ops.js';
import { searchRoutes } from './routes/search.js';
import { SearchService } from './search.js';
import { inlinePagePolicy, securityHeaders } from './security.js';
import { staticRoutes } from './static.js';

const DOCS_POLICY = inlinePagePolicy(DOCS_HTML);

export interface AppOptions {
  catalog: QueryCatalog;
  vectors: QueryVectors;
  models: QueryModel[];
  config: Partial<QueryConfig> & Pick<QueryConfig, 'dataDir'>;
  ingest?: QueryIngest | null;
  /** /readyz answers 200 only while this says so (e.g. after a start-up ingest); default: always ready. */
  isReady?: () => boolean;
}

export interface CytoclipApp {
  app: OpenAPIHono;
  service: SearchService;
  metrics: Metrics;
  config: QueryConfig;
}

export function createApp(options: AppOptions): CytoclipApp {
  const config: QueryConfig = { ...DEFAULT_CONFIG, atlasRoots: [], ...options.config };
  const backend = { catalog: options.catalog, vectors: options.vectors, models: options.models };
  const service = new SearchService(backend, config);
  const metrics = new Metrics();
  const ctx: AppContext = {
    backend,
    service,
    config,
    metrics,
    keys: new KeyRing(config),
    ingest: options.ingest ?? null,
    isReady: options.isReady ?? (() => true),
  };
  const app = new OpenAPIHono();

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    metrics.observeRequest(
      c.req.method,
      routePath(c) || 'unmatched',
      c.res.status,
      (performance.now() - started) / 1000,
    );
  });
  app.use('*', securityHeaders());
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: (c) => problem(c, 413, `the body is over ${config.maxBodyBytes} bytes`),
    }),
  );
  // Every /v1 route needs at least the read key when CYTOCLIP_READ_KEY is set.
  app.use('/v1/*', requireScope(ctx, 'read'));
  // Costly routes, when CYTOCLIP_RATE_LIMIT sets a limit.
  const limit = costlyRouteLimit(config);
  if (limit) app.use('/v1/*', limit);
  app.onError((error, c) => renderError(c, error));
  app.notFound((c) => problem(c, 404, `no route ${c.req.method} ${new URL(c.req.url).pathname}`));

  opsRoutes(app, ctx);
  searchRoutes(app, ctx);
  analysisRoutes(app, ctx);
  catalogRoutes(app, ctx);
  ingestRoutes(app, ctx);
  documentRoutes(app, config);
  app.get('/docs', (c) => c.html(DOCS_HTML, 200, { 'content-security-policy': DOCS_POLICY }));
  if (config.staticDir) staticRoutes(app, config.staticDir);
  return { app, service, metrics, config };
}

function renderError(c: Context, error: unknown): Response {
  if (error instanceof RequestProblem) {
    return problem(
      c,
      error.status,
      error.detail,
      error.status === 400 ? { title: 'Invalid request', errors: error.errors } : { errors: error.errors },
    );
  }
  if (isCytoclipError(error)) return errorProblem(c, error);
  // Hono's own HTTP errors (e.g. a malformed multipart boundary) carry their status.
  const status = (error as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) return problem(c, status, (error as Error).message);
  return errorProblem(c, error);
}
