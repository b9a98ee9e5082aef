import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../../test/support/index.js';
import { validateCompose } from './compose-validator.js';

type Doc = { services: Record<string, Record<string, any>>; volumes: Record<string, unknown> }; // eslint-disable-line @typescript-eslint/no-explicit-any
const load = (): Doc => parse(readFileSync(join(REPO_ROOT, 'compose.yaml'), 'utf8'), { merge: true });

describe('compose.yaml', () => {
  it('conforms to the compose specification', () => {
    expect(validateCompose(load(), REPO_ROOT)).toEqual([]);
  });

  it('runs postgres, qdrant, the API and a GPU ingest worker, wired together', () => {
    const doc = load();
    expect(Object.keys(doc.services).sort()).toEqual(['api', 'postgres', 'qdrant', 'worker']);
    const devices = doc.services.worker!.deploy.resources.reservations.devices;
    expect(devices[0]).toMatchObject({ driver: 'nvidia', capabilities: ['gpu'] });
    for (const name of ['api', 'worker']) {
      const env = doc.services[name]!.environment;
      expect(env.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(env.QDRANT_URL).toBe('http://qdrant:6333');
      expect(doc.services[name]!.depends_on.postgres.condition).toBe('service_healthy');
    }
    expect(doc.services.worker!.environment.CYTOCLIP_DEVICE).toBe('cuda');
    expect(doc.services.api!.environment.CYTOCLIP_API_KEY).toMatch(/^\$\{CYTOCLIP_API_KEY:\?/);
    expect(doc.services.api!.healthcheck.test.join(' ')).toContain('/readyz');
  });

  it('pins Qdrant to the minor of the client the platform uses, with its API key and a readiness healthcheck', () => {
    const doc = load();
    const client = JSON.parse(
      readFileSync(join(REPO_ROOT, 'node_modules/@qdrant/js-client-rest/package.json'), 'utf8'),
    ) as { version: string };
    const minor = client.version.split('.').slice(0, 2).join('.');
    const qdrant = doc.services.qdrant!;
    expect(qdrant.image).toMatch(new RegExp(`^qdrant/qdrant:v${minor.replace('.', '\\.')}\\.\\d+$`));
    expect(qdrant.environment.QDRANT__SERVICE__API_KEY).toMatch(/^\$\{QDRANT_API_KEY:\?/);
    expect(qdrant.healthcheck.test.join(' ')).toContain('/readyz');
    for (const name of ['api', 'worker']) {
      expect(doc.services[name]!.environment.QDRANT_API_KEY).toBe(qdrant.environment.QDRANT__SERVICE__API_KEY);
      expect(doc.services[name]!.depends_on.qdrant.condition).toBe('service_healthy');
    }
  });

  it('builds the worker image with onnxruntime CUDA files fetched at build time', () => {
    const worker = readFileSync(join(REPO_ROOT, 'docker/worker.Dockerfile'), 'utf8');
    expect(worker).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/);
    expect(worker).toMatch(/FROM nvidia\/cuda:12[^\n]*cudnn/);
    const api = readFileSync(join(REPO_ROOT, 'docker/api.Dockerfile'), 'utf8');
    expect(api).toMatch(/ENTRYPOINT \["node", "apps\/cli\/bin\/cytoclip\.js"\]/);
    // Both images preload jemalloc from the package they install (bench:soak: glibc's arenas fragment under ingests).
    for (const file of [api, worker]) {
      expect(file).toMatch(/apt-get install[^\n]*libjemalloc2/);
      expect(file).toMatch(
        /ENV LD_PRELOAD=\/usr\/lib\/x86_64-linux-gnu\/libjemalloc\.so\.2 \\\n\s+MALLOC_CONF=background_thread:true,/,
      );
    }
  });

  it('catches the mistakes it is there for', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const broken = (edit: (d: Doc & Record<string, any>) => void) => {
      const doc = load() as Doc & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      edit(doc);
      return validateCompose(doc, REPO_ROOT).join('\n');
    };
    expect(broken((d) => (d.servics = {}))).toMatch(/servics: unknown top-level key/);
    expect(broken((d) => (d.services.api!.enviroment = {}))).toMatch(/services\.api\.enviroment: unknown service key/);
    expect(broken((d) => (d.services.api!.depends_on.redis = { condition: 'service_started' }))).toMatch(
      /unknown service redis/,
    );
    expect(broken((d) => (d.services.api!.depends_on.postgres.condition = 'healthy'))).toMatch(/condition: required/);
    expect(broken((d) => d.services.api!.volumes.push('cache:/cache'))).toMatch(/named volume cache is not declared/);
    expect(broken((d) => (d.services.api!.build.dockerfile = 'docker/nope.Dockerfile'))).toMatch(/does not exist/);
    expect(broken((d) => (d.services.api!.ports = ['80:80:80']))).toMatch(/invalid port mapping/);
    expect(broken((d) => (d.services.api!.environment.X = '${BROKEN'))).toMatch(/invalid variable interpolation/);
    expect(broken((d) => (d.services.api!.healthcheck.interval = '10 seconds'))).toMatch(/invalid duration/);
    expect(broken((d) => delete d.services.worker!.deploy.resources.reservations.devices[0].capabilities)).toMatch(
      /capabilities: required/,
    );
    expect(broken((d) => (d.services.worker!.deploy.resources.reservations.devices[0].count = 0))).toMatch(/count/);
    expect(broken((d) => (d.services.worker!.restart = 'sometimes'))).toMatch(/invalid policy/);
  });
});
