/**
 * A structural validator for compose files, written from the Compose Specification (compose-spec.json, draft-07):
 * the top-level and service keys it allows, the shapes of the fields this project uses, variable interpolation
 * syntax, and cross-references (depends_on targets, named volumes, build files). No Docker engine runs in CI, so
 * this is what stands between compose.yaml and a typo.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const TOP = new Set(['version', 'name', 'include', 'services', 'models', 'networks', 'volumes', 'secrets', 'configs']);
const SERVICE = new Set(
  (
    'develop deploy annotations attach build blkio_config cap_add cap_drop cgroup cgroup_parent command configs container_name cpu_count ' +
    'cpu_percent cpu_shares cpu_quota cpu_period cpu_rt_period cpu_rt_runtime cpus cpuset credential_spec depends_on device_cgroup_rules ' +
    'devices dns dns_opt dns_search domainname entrypoint env_file label_file environment expose extends external_links extra_hosts gpus ' +
    'group_add healthcheck hostname image init ipc isolation labels links logging mac_address mem_limit mem_reservation mem_swappiness ' +
    'memswap_limit network_mode models networks oom_kill_disable oom_score_adj pid pids_limit platform ports post_start pre_stop privileged ' +
    'profiles provider pull_policy pull_refresh_after read_only restart runtime scale security_opt shm_size secrets sysctls stdin_open ' +
    'stop_grace_period stop_signal storage_opt tmpfs tty ulimits use_api_socket user uts userns_mode volumes volumes_from working_dir'
  ).split(' '),
);
const BUILD = new Set(
  'context dockerfile dockerfile_inline entitlements args ssh labels cache_from cache_to no_cache additional_contexts network pull target shm_size extra_hosts isolation privileged secrets tags ulimits platforms'.split(
    ' ',
  ),
);
const HEALTHCHECK = new Set(['disable', 'interval', 'retries', 'test', 'timeout', 'start_period', 'start_interval']);
const DEPLOY = new Set([
  'mode',
  'endpoint_mode',
  'replicas',
  'labels',
  'rollback_config',
  'update_config',
  'resources',
  'restart_policy',
  'placement',
]);
const RESOURCES = new Set(['limits', 'reservations']);
const RESERVATIONS = new Set(['cpus', 'memory', 'generic_resources', 'devices']);
const DEVICE = new Set(['capabilities', 'count', 'device_ids', 'driver', 'options']);
const CONDITIONS = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);
const RESTART = /^(no|always|on-failure(:\d+)?|unless-stopped)$/;
const DURATION = /^(\d+(\.\d+)?(us|ms|s|m|h))+$/;
const NAME = /^[a-zA-Z0-9._-]+$/;
// ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, $VAR, and $$ for a literal $.
const INTERPOLATION = /\$(\$|[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?+])[^}]*)?\})/g;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isExt = (k: string) => k.startsWith('x-');

export function validateCompose(doc: unknown, root: string): string[] {
  const errors: string[] = [];
  const err = (path: string, message: string) => errors.push(`${path}: ${message}`);
  if (!isObj(doc)) return ['(root): a compose file is a mapping'];
  for (const key of Object.keys(doc)) if (!TOP.has(key) && !isExt(key)) err(key, 'unknown top-level key');
  walkStrings(doc, '', (path, s) => checkInterpolation(path, s, err));
  const services = doc.services;
  if (!isObj(services) || Object.keys(services).length === 0)
    return [...errors, 'services: at least one service is required'];
  const volumes = isObj(doc.volumes) ? doc.volumes : {};
  for (const [name, value] of Object.entries(volumes)) {
    if (!NAME.test(name)) err(`volumes.${name}`, 'invalid name');
    if (value !== null && !isObj(value)) err(`volumes.${name}`, 'must be a mapping or empty');
  }
  for (const [name, service] of Object.entries(services)) {
    const at = `services.${name}`;
    if (!NAME.test(name)) err(at, 'invalid service name');
    if (!isObj(service)) {
      err(at, 'must be a mapping');
      continue;
    }
    validateService(at, service, Object.keys(services), Object.keys(volumes), root, err);
  }
  return errors;
}

function validateService(
  at: string,
  s: Obj,
  serviceNames: string[],
  volumeNames: string[],
  root: string,
  err: (p: string, m: string) => void,
) {
  for (const key of Object.keys(s)) if (!SERVICE.has(key) && !isExt(key)) err(`${at}.${key}`, 'unknown service key');
  if (s.image === undefined && s.build === undefined) err(at, 'needs image or build');
  if (s.image !== undefined && typeof s.image !== 'string') err(`${at}.image`, 'must be a string');
  if (s.build !== undefined) validateBuild(`${at}.build`, s.build, root, err);
  for (const key of ['command', 'entrypoint']) {
    const v = s[key];
    if (
      v !== undefined &&
      v !== null &&
      typeof v !== 'string' &&
      !(Array.isArray(v) && v.every((x) => typeof x === 'string'))
    )
      err(`${at}.${key}`, 'must be a string or a list of strings');
  }
  if (s.environment !== undefined) validateListOrDict(`${at}.environment`, s.environment, err);
  if (s.restart !== undefined && (typeof s.restart !== 'string' || !RESTART.test(s.restart)))
    err(`${at}.restart`, `invalid policy ${String(s.restart)}`);
  if (s.ports !== undefined) {
    if (!Array.isArray(s.ports)) err(`${at}.ports`, 'must be a list');
    else
      s.ports.forEach((p, i) => {
        if (typeof p === 'number') return;
        if (
          typeof p !== 'string' ||
          !/^((\d{1,3}\.){3}\d{1,3}:|\[[0-9a-f:]+\]:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp))?$/.test(p)
        )
          err(`${at}.ports[${i}]`, `invalid port mapping ${String(p)}`);
      });
  }
  if (s.volumes !== undefined) {
    if (!Array.isArray(s.volumes)) err(`${at}.volumes`, 'must be a list');
    else
      s.volumes.forEach((v, i) => {
        if (typeof v !== 'string') return;
        const [source, target, mode] = v.split(':');
        if (!target || !target.startsWith('/')) err(`${at}.volumes[${i}]`, 'target must be an absolute path');
        if (mode !== undefined && !/^(ro|rw|z|Z|nocopy)(,(ro|rw|z|Z|nocopy))*$/.test(mode))
          err(`${at}.volumes[${i}]`, `invalid mode ${mode}`);
        const named = source && !source.startsWith('.') && !source.startsWith('/') && !source.startsWith('~');
        if (named && !volumeNames.includes(source))
          err(`${at}.volumes[${i}]`, `named volume ${source} is not declared under volumes`);
      });
  }
  if (s.depends_on !== undefined) validateDependsOn(`${at}.depends_on`, s.depends_on, serviceNames, err);
  if (s.healthcheck !== undefined) validateHealthcheck(`${at}.healthcheck`, s.healthcheck, err);
  if (s.deploy !== undefined) validateDeploy(`${at}.deploy`, s.deploy, err);
}

function validateBuild(at: string, build: unknown, root: string, err: (p: string, m: string) => void) {
  const spec = typeof build === 'string' ? { context: build } : build;
  if (!isObj(spec)) return err(at, 'must be a path or a mapping');
  for (const key of Object.keys(spec)) if (!BUILD.has(key) && !isExt(key)) err(`${at}.${key}`, 'unknown build key');
  const context = typeof spec.context === 'string' ? spec.context : '.';
  if (!existsSync(join(root, context))) err(`${at}.context`, `${context} does not exist`);
  const dockerfile = typeof spec.dockerfile === 'string' ? spec.dockerfile : 'Dockerfile';
  if (spec.dockerfile_inline === undefined && !existsSync(join(root, context, dockerfile)))
    err(`${at}.dockerfile`, `${dockerfile} does not exist`);
}

function validateListOrDict(at: string, v: unknown, err: (p: string, m: string) => void) {
  if (Array.isArray(v)) {
    v.forEach((x, i) => typeof x !== 'string' && err(`${at}[${i}]`, 'must be KEY=value'));
  } else if (isObj(v)) {
    for (const [k, x] of Object.entries(v))
      if (x !== null && !['string', 'number', 'boolean'].includes(typeof x))
        err(`${at}.${k}`, 'must be a string, number, boolean or null');
  } else err(at, 'must be a list or a mapping');
}

function validateDependsOn(at: string, v: unknown, services: string[], err: (p: string, m: string) => void) {
  const names = Array.isArray(v) ? v : isObj(v) ? Object.keys(v) : null;
  if (!names) return err(at, 'must be a list or a mapping');
  for (const name of names)
    if (typeof name !== 'string' || !services.includes(name)) err(at, `unknown service ${String(name)}`);
  if (isObj(v)) {
    for (const [name, spec] of Object.entries(v)) {
      if (!isObj(spec)) err(`${at}.${name}`, 'must be a mapping');
      else if (typeof spec.condition !== 'string' || !CONDITIONS.has(spec.condition))
        err(`${at}.${name}.condition`, `required, one of ${[...CONDITIONS].join(', ')}`);
      else
        for (const key of Object.keys(spec))
          if (!['condition', 'restart', 'required'].includes(key) && !isExt(key))
            err(`${at}.${name}.${key}`, 'unknown key');
    }
  }
}

function validateHealthcheck(at: string, h: unknown, err: (p: string, m: string) => void) {
  if (!isObj(h)) return err(at, 'must be a mapping');
  for (const key of Object.keys(h))
    if (!HEALTHCHECK.has(key) && !isExt(key)) err(`${at}.${key}`, 'unknown healthcheck key');
  const test = h.test;
  if (
    typeof test !== 'string' &&
    !(
      Array.isArray(test) &&
      ['CMD', 'CMD-SHELL', 'NONE'].includes(test[0] as string) &&
      test.every((x) => typeof x === 'string')
    )
  ) {
    err(`${at}.test`, 'must be a string or a list starting with CMD, CMD-SHELL or NONE');
  }
  for (const key of ['interval', 'timeout', 'start_period', 'start_interval']) {
    if (h[key] !== undefined && (typeof h[key] !== 'string' || !DURATION.test(h[key])))
      err(`${at}.${key}`, `invalid duration ${String(h[key])}`);
  }
  if (h.retries !== undefined && !(Number.isInteger(h.retries) && (h.retries as number) >= 0))
    err(`${at}.retries`, 'must be a non-negative integer');
}

function validateDeploy(at: string, d: unknown, err: (p: string, m: string) => void) {
  if (!isObj(d)) return err(at, 'must be a mapping');
  for (const key of Object.keys(d)) if (!DEPLOY.has(key) && !isExt(key)) err(`${at}.${key}`, 'unknown deploy key');
  const r = d.resources;
  if (r === undefined) return;
  if (!isObj(r)) return err(`${at}.resources`, 'must be a mapping');
  for (const key of Object.keys(r)) if (!RESOURCES.has(key)) err(`${at}.resources.${key}`, 'unknown key');
  const res = r.reservations;
  if (res === undefined) return;
  if (!isObj(res)) return err(`${at}.resources.reservations`, 'must be a mapping');
  for (const key of Object.keys(res))
    if (!RESERVATIONS.has(key)) err(`${at}.resources.reservations.${key}`, 'unknown key');
  const devices = res.devices;
  if (devices === undefined) return;
  if (!Array.isArray(devices)) return err(`${at}.resources.reservations.devices`, 'must be a list');
  devices.forEach((dev, i) => {
    const p = `${at}.resources.reservations.devices[${i}]`;
    if (!isObj(dev)) return err(p, 'must be a mapping');
    for (const key of Object.keys(dev)) if (!DEVICE.has(key) && !isExt(key)) err(`${p}.${key}`, 'unknown key');
    if (
      !Array.isArray(dev.capabilities) ||
      dev.capabilities.length === 0 ||
      !dev.capabilities.every((c) => typeof c === 'string')
    )
      err(`${p}.capabilities`, 'required: a list of strings');
    if (dev.count !== undefined && dev.count !== 'all' && !(Number.isInteger(dev.count) && (dev.count as number) > 0))
      err(`${p}.count`, 'must be "all" or a positive integer');
    if (dev.count !== undefined && dev.device_ids !== undefined) err(p, 'count and device_ids are exclusive');
  });
}

function checkInterpolation(path: string, s: string, err: (p: string, m: string) => void) {
  const stripped = s.replace(INTERPOLATION, '');
  if (stripped.includes('$'))
    err(path, `invalid variable interpolation in "${s}" (use \${VAR}, \${VAR:-default} or $$)`);
}

function walkStrings(value: unknown, path: string, visit: (path: string, s: string) => void) {
  if (typeof value === 'string') visit(path || '(root)', value);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, `${path}[${i}]`, visit));
  else if (isObj(value)) for (const [k, v] of Object.entries(value)) walkStrings(v, path ? `${path}.${k}` : k, visit);
}
