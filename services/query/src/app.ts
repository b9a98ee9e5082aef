import { OpenAPIHono } from '@hono/zod-openapi';
import { isCytoclipError } from '@cytoclip/domain';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { DEFAULT_CONFIG, type QueryConfig } from './config.js';
import { RequestProblem, validationHook, type AppContext } from './http.js';
import { KeyRing } from './keys.js';
import { createLogger, observeRequests, type Logger } from './logging.js';
import { Metrics } from './metrics.js';
import { attachMetricsPort } from './metrics-port.js';
import { docsRoutes } from './docs.js';
import { documentApi } from './openapi.js';
import type { QueryCatalog, QueryIngest, QueryModel, QueryVectors } from './ports.js';
import { errorProblem, problem } from './problem.js';
import { costlyRouteLimit } from './rate-limit.js';
import { analysisRoutes } from './routes/analysis.js';
import { annotationRoutes } from './routes/annotation.js';
import { requireScope } from './routes/auth.js';
import { catalogRoutes } from './routes/catalog.js';
import { ingestRoutes } from './routes/ingest.js';
import { opsRoutes } from './routes/ops.js';
import { searchRoutes } from './routes/search.js';
import { SearchService } from './search.js';
import { securityHeaders } from './security.js';
import { staticRoutes } from './static.js';

export interface AppOptions {
  catalog: QueryCatalog;
  vectors: QueryVectors;
  models: QueryModel[];
  config: Partial<QueryConfig> & Pick<QueryConfig, 'dataDir'>;
  ingest?: QueryIngest | null;
  /** /readyz answers 200 only while this says so (e.g. after a start-up ingest); default: always ready. */
  isReady?: () => boolean;
  /** Where the JSON logs go; default pino on stderr at `config.logLevel` (silent unless configFromEnv set it). */
  logger?: Logger;
}

export interface CytoclipApp {
  app: OpenAPIHono;
  service: SearchService;
  metrics: Metrics;
  config: QueryConfig;
  logger: Logger;
}

export function createApp(options: AppOptions): CytoclipApp {
  const config: QueryConfig = { ...DEFAULT_CONFIG, atlasRoots: [], ...options.config };
  const logger = options.logger ?? createLogger(config.logLevel);
  let service: SearchService | null = null;
  const metrics = new Metrics(() => service!.modelIndexes());
  const backend = {
    catalog: options.catalog,
    vectors: metrics.timeStore(options.vectors),
    models: options.models.map((m) => metrics.timeModel(m)),
  };
  service = new SearchService(backend, config);
  const ctx: AppContext = {
    backend,
    service,
    config,
    metrics,
    keys: new KeyRing(config),
    ingest: options.ingest ?? null,
    isReady: options.isReady ?? (() => true),
  };
  // A body, query or path parameter its route's schema refuses is a 400 problem naming each field.
  const app = new OpenAPIHono({ defaultHook: validationHook });
  guard(app, ctx, logger);
  app.onError((error, c) => renderError(c, error));
  app.notFound((c) => problem(c, 404, `no route ${c.req.method} ${new URL(c.req.url).pathname}`));

  opsRoutes(app, ctx);
  searchRoutes(app, ctx);
  analysisRoutes(app, ctx);
  annotationRoutes(app, ctx);
  catalogRoutes(app, ctx);
  ingestRoutes(app, ctx);
  documentApi(app);
  docsRoutes(app);
  if (config.staticDir) staticRoutes(app, config.staticDir);
  if (config.metricsPort !== null) attachMetricsPort(app, metrics, config.metricsPort, config.metricsHost);
  return { app, service, metrics, config, logger };
}

/**
 * What every request passes first, in order: a request id (X-Request-Id echoed when sane, else a new UUID), the
 * access log line and metrics, the secure headers, the body limit, the read key (when one is set) and the rate
 * limit of costly routes (when one is set).
 */
function guard(app: OpenAPIHono, ctx: AppContext, logger: Logger): void {
  const { config, metrics } = ctx;
  app.use('*', requestId());
  app.use('*', observeRequests(metrics, logger));
  app.use('*', securityHeaders());
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: (c) => problem(c, 413, `the body is over ${config.maxBodyBytes} bytes`),
    }),
  );
  app.use('/v1/*', requireScope(ctx, 'read'));
  const limit = costlyRouteLimit(config);
  if (limit) app.use('/v1/*', limit);
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
  // Server errors are logged with the request id (the err serializer keeps no SQL, parameters or cause).
  if (isCytoclipError(error)) {
    if (error.status >= 500) c.get('log')?.error({ err: error }, 'request failed');
    return errorProblem(c, error);
  }
  // Hono's own HTTP errors (e.g. a malformed multipart boundary) carry their status.
  const status = (error as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) return problem(c, status, (error as Error).message);
  c.get('log')?.error({ err: error }, 'request failed');
  return errorProblem(c, error);
}
