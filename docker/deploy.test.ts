/**
 * Static checks of the compose deployment (DESIGN "Toolchain": no Docker engine here, so the files
 * are checked, not run): the compose file, .env.example, the Dockerfiles and nginx template, the
 * Prometheus/Grafana provisioning, the Temporal dynamic config and the shell scripts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { parseEnvSchemaKeys, qatronConfigKeys } from './config-keys.js';

const dockerDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(dockerDir, '..');
const read = (path: string) => readFileSync(join(dockerDir, path), 'utf8');

type Service = {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  container_name?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | { published?: string | number; target?: number; host_ip?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  secrets?: (string | { source: string; target?: string })[];
  restart?: string;
  shm_size?: string;
};
type ComposeFile = { services: Record<string, Service>; volumes?: Record<string, unknown>; secrets?: Record<string, unknown> };

const composeText = read('docker-compose.yml');
// Compose honours YAML merge keys (`<<: *anchor`); so must the parser.
const composeDoc = parseDocument(composeText, { merge: true });
const compose = composeDoc.toJS({ maxAliasCount: 100 }) as ComposeFile;
const services = compose.services;

/** KEY=VALUE lines of a dotenv file (comments and blank lines skipped, surrounding quotes removed). */
function parseDotenv(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) vars.set(m[1] as string, (m[2] as string).trim().replace(/^(['"])(.*)\1$/, '$2'));
  }
  return vars;
}
const envExample = parseDotenv(read('.env.example'));

/** The variables a compose text interpolates: ${VAR}, ${VAR:-x}, ${VAR:?x}, $VAR; `$$` is a literal `$`. */
function interpolatedVariables(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.replaceAll('$$', '').matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))/g)) {
    names.add((m[1] ?? m[2]) as string);
  }
  return names;
}

/** Compose-style interpolation with the given variables (enough for image tags and env values). */
function interpolate(value: string, vars: Map<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (whole === '$$') return '$';
    const v = vars.get(name as string);
    if ((op === ':-' && !v) || (op === '-' && v === undefined)) return arg ?? '';
    if ((op === ':?' && !v) || (op === '?' && v === undefined)) throw new Error(`${name}: ${arg}`);
    return v ?? '';
  });
}

const environmentOf = (service: Service): Record<string, string> => {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((e) => [e.split('=')[0], e.split('=').slice(1).join('=')]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? '')]));
};
const dependsOn = (service: Service): Record<string, string> => {
  const d = service.depends_on ?? {};
  return Array.isArray(d) ? Object.fromEntries(d.map((n) => [n, 'service_started'])) : Object.fromEntries(Object.entries(d).map(([n, c]) => [n, c.condition ?? 'service_started']));
};
const commandOf = (service: Service) => (Array.isArray(service.command) ? service.command.join(' ') : (service.command ?? ''));

/** One-shot services: something waits for them to complete successfully. Every other service runs on. */
const oneShot = new Set(Object.values(services).flatMap((s) => Object.entries(dependsOn(s)).filter(([, c]) => c === 'service_completed_successfully').map(([n]) => n)));

/**
 * Variables the api/worker may set that QAtron's config does not read: consumed by Node or the
 * C library, documented here. Everything else must be a key of domain/src/config.ts.
 */
const PASS_THROUGH = new Set(['NODE_OPTIONS', 'TZ']);

describe('the configuration key parser', () => {
  it('reads the top-level keys of EnvSchema, past comments, strings and regex escapes', () => {
    const source = `
      const other = z.object({ NOT_THIS: z.string() });
      const EnvSchema = z.object({
        // a comment with an apostrophe: don't stop here, NOT_A_KEY: no
        A_KEY: z.enum(['x', 'y']).default('x'),
        /* B_COMMENTED: z.string(), */
        URL: optional.pipe(z.string().regex(/^postgres(ql)?:\\/\\//, 'must be a postgres:// URL').optional()),
        NESTED: z.object({ INNER: z.string() }).default({ INNER: 'a,b' }),
        LAST: z.string(),
      });
      const after = { AFTER: 1 };`;
    expect(parseEnvSchemaKeys(source)).toEqual(['A_KEY', 'URL', 'NESTED', 'LAST']);
  });

  it('finds the variables of domain/src/config.ts', () => {
    const keys = qatronConfigKeys(root);
    for (const key of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'S3_BUCKET', 'JWT_SECRET', 'METRICS_TOKEN', 'API_HOST', 'LOG_LEVEL']) {
      expect(keys, key).toContain(key);
    }
  });
});

describe('docker-compose.yml', () => {
  it('parses as YAML without errors or warnings', () => {
    expect(composeDoc.errors.map((e) => e.message)).toEqual([]);
    expect(composeDoc.warnings.map((e) => e.message)).toEqual([]);
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'board',
        'grafana',
        'minio',
        'minio-init',
        'postgres',
        'prometheus',
        'selenium-hub',
        'selenium-node-chromium',
        'temporal',
        'temporal-namespace',
        'temporal-schema',
        'temporal-ui',
        'worker',
      ].sort(),
    );
  });

  it('pins every image to a versioned tag (no :latest, no missing tag)', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, `${name} has an image`).toBeTruthy();
      const image = interpolate(service.image as string, envExample);
      const tag = /:([^/:@]+)$/.exec(image)?.[1];
      expect(tag, `${name}: ${image} has a tag`).toBeTruthy();
      expect(tag, `${name}: ${image}`).not.toBe('latest');
      // A version, not a floating major: 16.10-bookworm, v3.5.0, RELEASE.2025-04-22T22-12-26Z.
      expect(tag, `${name}: ${image} is a full version`).toMatch(/\d+\.\d+|RELEASE\.\d{4}-/);
    }
  });

  it('gives every long-running service a healthcheck', () => {
    expect([...oneShot].sort()).toEqual(['minio-init', 'temporal-namespace', 'temporal-schema']);
    for (const [name, service] of Object.entries(services)) {
      if (oneShot.has(name)) {
        expect(service.restart ?? 'no', `${name} is a one-shot`).toMatch(/^(no|on-failure)/);
        continue;
      }
      expect(service.healthcheck?.test, `${name} has a healthcheck`).toBeTruthy();
      expect(service.healthcheck?.disable ?? false, name).toBe(false);
      expect(service.restart, `${name} restarts`).toBe('unless-stopped');
    }
    expect(JSON.stringify(services.api?.healthcheck?.test)).toContain('/readyz');
  });

  it('sets on the api and the worker only variables QAtron reads (domain/src/config.ts)', () => {
    const keys = qatronConfigKeys(root);
    for (const name of ['api', 'worker']) {
      const env = environmentOf(services[name] as Service);
      for (const key of Object.keys(env)) {
        expect(keys.has(key) || PASS_THROUGH.has(key), `${name} sets ${key}, which QAtron does not read`).toBe(true);
      }
      for (const key of ['QATRON_ENV', 'DATABASE_URL', 'TEMPORAL_ADDRESS', 'S3_BUCKET', 'S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_FORCE_PATH_STYLE']) {
        expect(env, `${name} sets ${key}`).toHaveProperty(key);
      }
    }
    const api = environmentOf(services.api as Service);
    expect(api.API_HOST).toBe('0.0.0.0');
    for (const key of ['JWT_SECRET', 'DEFAULT_ADMIN_PASSWORD', 'METRICS_TOKEN']) expect(api, key).toHaveProperty(key);
    expect(commandOf(services.api as Service)).toBe('node --import tsx api/src/main.ts --migrate');
    expect(commandOf(services.worker as Service)).toBe('node --import tsx worker/src/main.ts');
  });

  it('keeps secrets out of the file: secret-like values are ${VAR} references', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(environmentOf(service))) {
        if (/PASSWORD|SECRET|TOKEN|_PWD$|ACCESS_KEY/.test(key)) {
          expect(value, `${name}.${key} must come from .env`).toMatch(/^\$\{[A-Z_]+(:?[-?][^}]*)?\}$/);
        }
      }
    }
    expect(environmentOf(services.api as Service).DATABASE_URL).toContain('${POSTGRES_PASSWORD}');
  });

  it('lets the worker scale: no container_name, no published port', () => {
    const worker = services.worker as Service;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    for (const [name, service] of Object.entries(services)) expect(service.container_name, name).toBeUndefined();
  });

  it('depends only on services that exist, never on itself', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [target, condition] of Object.entries(dependsOn(service))) {
        expect(services, `${name} depends on ${target}`).toHaveProperty(target);
        expect(target, name).not.toBe(name);
        expect(['service_started', 'service_healthy', 'service_completed_successfully'], `${name} -> ${target}`).toContain(condition);
        // Waiting for health only makes sense on a service that has a healthcheck.
        if (condition === 'service_healthy') expect(services[target]?.healthcheck, `${target} has a healthcheck`).toBeTruthy();
      }
    }
    for (const name of ['api', 'worker']) {
      expect(dependsOn(services[name] as Service)).toMatchObject({
        postgres: 'service_healthy',
        'temporal-namespace': 'service_completed_successfully',
        'minio-init': 'service_completed_successfully',
      });
    }
  });

  it('publishes the PRD 10.2 ports, none twice', () => {
    const published: { service: string; ip: string; port: number }[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const spec of service.ports ?? []) {
        if (typeof spec === 'string') {
          const parts = spec.replace(/\/(tcp|udp)$/, '').split(':');
          expect(parts.length, `${name}: ${spec} names host and container port`).toBeGreaterThanOrEqual(2);
          published.push({ service: name, ip: parts.length === 3 ? (parts[0] as string) : '0.0.0.0', port: Number(parts.at(-2)) });
        } else {
          published.push({ service: name, ip: spec.host_ip ?? '0.0.0.0', port: Number(spec.published) });
        }
      }
    }
    for (const a of published) {
      const clashes = published.filter((b) => b !== a && b.port === a.port && (a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0'));
      expect(clashes.map((c) => c.service), `host port ${a.port} of ${a.service}`).toEqual([]);
    }
    const byService = (s: string) => published.filter((p) => p.service === s).map((p) => p.port).sort();
    expect(byService('board')).toEqual([3000]);
    expect(byService('api')).toEqual([8000]);
    expect(byService('grafana')).toEqual([3001]);
    expect(byService('prometheus')).toEqual([9090]);
    expect(byService('minio')).toEqual([9000, 9001]);
    expect(byService('temporal-ui')).toEqual([8233]);
    expect(byService('postgres')).toEqual([5432]);
  });

  it('declares its named volumes and finds its bind-mounted files', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === 'string' ? (volume.split(':')[0] as string) : (volume.source ?? '');
        if (source.startsWith('.') || source.startsWith('/')) {
          expect(existsSync(resolve(dockerDir, source)), `${name} mounts ${source}`).toBe(true);
        } else {
          expect(compose.volumes ?? {}, `${name} uses volume ${source}`).toHaveProperty(source);
        }
      }
      for (const secret of service.secrets ?? []) {
        expect(compose.secrets ?? {}, `${name} uses secret`).toHaveProperty(typeof secret === 'string' ? secret : secret.source);
      }
    }
  });

  it('has every interpolated variable defined in .env.example', () => {
    const used = interpolatedVariables(composeText);
    const secretSources = Object.values(compose.secrets ?? {}).map((s) => (s as { environment?: string }).environment).filter((e): e is string => !!e);
    for (const name of [...used, ...secretSources]) expect(envExample.has(name), `.env.example defines ${name}`).toBe(true);
    // And .env.example carries nothing the compose file ignores (a stale variable misleads).
    for (const name of envExample.keys()) expect(used.has(name) || secretSources.includes(name), `${name} is used by docker-compose.yml`).toBe(true);
  });

  it('ships placeholders, not working secrets, in .env.example', () => {
    // Too short for the api's 32-character minimum: a hand-copied .env fails fast instead of
    // running with a key that is public.
    expect((envExample.get('JWT_SECRET') ?? '').length).toBeLessThan(32);
    expect(envExample.get('DEFAULT_ADMIN_PASSWORD')).toBe('');
  });

  const docker = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 20_000 });
  const composeCli = docker.status === 0;
  const reason = docker.error ? 'the docker CLI is not installed' : 'the docker compose plugin is not installed';
  if (!composeCli) console.warn(`[deploy.test] skipping \`docker compose config -q\`: ${reason}`);
  it.skipIf(!composeCli)(
    composeCli ? 'is accepted by `docker compose config -q` with .env.example' : `is accepted by \`docker compose config -q\` (SKIPPED: ${reason})`,
    () => {
      const result = spawnSync('docker', ['compose', '-f', join(dockerDir, 'docker-compose.yml'), '--env-file', join(dockerDir, '.env.example'), 'config', '-q'], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );
});

describe('the Selenium Grid (issue 16: FR-INF, PRD 14)', () => {
  const hub = services['selenium-hub'] as Service;
  const node = services['selenium-node-chromium'] as Service;
  /** repository and tag of a service's image, with .env.example interpolated. */
  const imageOf = (service: Service) => {
    const m = /^([^:@]+):([^:@/]+)$/.exec(interpolate(service.image ?? '', envExample));
    return { repository: m?.[1], tag: m?.[2] };
  };
  const healthcheckText = (service: Service) => (Array.isArray(service.healthcheck?.test) ? service.healthcheck.test.join(' ') : (service.healthcheck?.test ?? ''));

  it('runs the official hub and Chromium node images, pinned to one docker-selenium release', () => {
    expect(imageOf(hub).repository).toBe('selenium/hub');
    expect(imageOf(node).repository).toBe('selenium/node-chromium');
    // docker-selenium's full release tag <grid version>-<build date>: never latest, never a floating 4.48.
    expect(imageOf(hub).tag).toMatch(/^4\.\d+\.\d+-20\d{6}$/);
    // A node registers only with a hub of its own Grid version.
    expect(imageOf(node).tag).toBe(imageOf(hub).tag);
  });

  it('checks the hub on /readyz and the node on its own /status', () => {
    expect(healthcheckText(hub)).toContain('curl -fsS http://localhost:4444/readyz');
    expect(healthcheckText(node)).toContain('curl -fsS http://localhost:5555/status');
    expect(hub.healthcheck?.disable ?? false).toBe(false);
    expect(node.healthcheck?.disable ?? false).toBe(false);
    expect(dependsOn(node)).toEqual({ 'selenium-hub': 'service_healthy' });
  });

  it('registers the node on the hub event bus, with 2 sessions by default and 2 GB of shared memory', () => {
    const env = environmentOf(node);
    expect(env.SE_EVENT_BUS_HOST).toBe('selenium-hub');
    expect(env.SE_EVENT_BUS_PUBLISH_PORT).toBe('4442');
    expect(env.SE_EVENT_BUS_SUBSCRIBE_PORT).toBe('4443');
    expect(env.SE_NODE_MAX_SESSIONS).toBe('${SELENIUM_NODE_MAX_SESSIONS:-2}');
    expect(interpolate(env.SE_NODE_MAX_SESSIONS as string, new Map())).toBe('2');
    expect(envExample.get('SELENIUM_NODE_MAX_SESSIONS')).toBe('2');
    // Without it the Grid caps sessions at the container's CPU count, whatever MAX_SESSIONS says.
    expect(env.SE_NODE_OVERRIDE_MAX_SESSIONS).toBe('true');
    expect(node.shm_size).toBe('2gb');
  });

  it('keeps the Grid on the compose network: nothing published, nodes scalable', () => {
    expect(hub.ports).toBeUndefined();
    expect(node.ports).toBeUndefined();
    expect(node.container_name).toBeUndefined();
    // The comment tells operators how to publish it, on loopback.
    expect(composeText).toContain('ports: ["127.0.0.1:4444:4444"]');
  });

  it('wires the workers to the hub through QATRON_GRID_URL and QATRON_GRID_NAME', () => {
    const keys = qatronConfigKeys(root);
    for (const key of ['QATRON_GRID_URL', 'QATRON_GRID_NAME']) expect(keys, `domain/src/config.ts reads ${key}`).toContain(key);
    const worker = environmentOf(services.worker as Service);
    expect(worker.QATRON_GRID_NAME).toBe('compose-grid');
    const url = new URL(worker.QATRON_GRID_URL ?? '');
    expect(url.protocol).toBe('http:');
    // The URL names the hub service (by its compose name) on the hub's port, nothing else.
    expect(url.hostname).toBe('selenium-hub');
    expect(imageOf(services[url.hostname] as Service).repository).toBe('selenium/hub');
    expect(url.port).toBe('4444');
    expect(url.pathname).toBe('/');
  });
});

describe('Temporal dynamic config', () => {
  const text = readFileSync(join(root, 'temporal-config/dynamicconfig.yaml'), 'utf8');

  it('is a map of keys to lists of {value, constraints}', () => {
    const config = parse(text) as Record<string, { value: unknown; constraints?: Record<string, unknown> }[]>;
    expect(Object.keys(config).length).toBeGreaterThan(0);
    for (const [key, entries] of Object.entries(config)) {
      expect(key).toMatch(/^[a-z]+\.[A-Za-z.]+$/);
      expect(Array.isArray(entries) && entries.length > 0, key).toBe(true);
      for (const entry of entries) {
        expect(entry, key).toHaveProperty('value');
        for (const constraint of Object.keys(entry.constraints ?? {})) expect(['namespace', 'taskQueueName', 'taskType'], key).toContain(constraint);
      }
    }
  });

  it('is the file the compose temporal service loads', () => {
    const temporal = services.temporal as Service;
    const target = environmentOf(temporal).DYNAMIC_CONFIG_FILE_PATH;
    expect(temporal.volumes).toContain(`../temporal-config/dynamicconfig.yaml:${target}:ro`);
  });
});

describe('Prometheus and Grafana', () => {
  const prometheus = parse(read('prometheus.yml')) as {
    scrape_configs: { job_name: string; metrics_path?: string; authorization?: { type: string; credentials_file?: string }; static_configs: { targets: string[] }[] }[];
  };

  it('scrapes the api with the METRICS_TOKEN secret as bearer token', () => {
    const api = prometheus.scrape_configs.find((s) => s.job_name === 'qatron-api');
    expect(api?.static_configs[0]?.targets).toEqual(['api:8000']);
    expect(api?.metrics_path).toBe('/metrics');
    expect(api?.authorization?.type).toBe('Bearer');
    const mounted = (services.prometheus?.secrets ?? []).map((s) => (typeof s === 'string' ? `/run/secrets/${s}` : `/run/secrets/${s.target ?? s.source}`));
    expect(mounted).toContain(api?.authorization?.credentials_file);
    expect(compose.secrets?.metrics_token).toEqual({ environment: 'METRICS_TOKEN' });
  });

  it('provisions the Prometheus datasource the dashboard refers to', () => {
    const datasources = parse(read('grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string; url: string; type: string }[] };
    const providers = parse(read('grafana/provisioning/dashboards/qatron.yml')) as { providers: { options: { path: string } }[] };
    const dashboard = JSON.parse(read('grafana/dashboards/qatron.json')) as { uid: string; panels: { title: string; datasource: { uid: string }; targets: { expr: string }[] }[] };
    const [datasource] = datasources.datasources;
    expect(datasource).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    expect(services.grafana?.volumes).toContain(`./grafana/dashboards:${providers.providers[0]?.options.path}:ro`);
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe(datasource?.uid);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    }
  });

  it('charts metrics the api actually exports (api/src/health/metrics.ts)', () => {
    const dashboard = JSON.parse(read('grafana/dashboards/qatron.json')) as { panels: { targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    const joined = exprs.join('\n');
    expect(joined).toMatch(/max by \(status\) \(qatron_runs\)/);
    expect(joined).toMatch(/rate\(qatron_runs_triggered_total\[5m\]\)/);
    expect(joined).toMatch(/histogram_quantile\(0\.95, sum by \(le[^)]*\) \(rate\(qatron_http_request_duration_seconds_bucket\[5m\]\)\)\)/);
    const exported = readFileSync(join(root, 'api/src/health/metrics.ts'), 'utf8');
    const defaultPrefix = /prefix:\s*'([a-z_]+)'/.exec(exported)?.[1];
    for (const metric of new Set(joined.match(/qatron_[a-z_0-9]+/g))) {
      const base = metric.replace(/_(bucket|count|sum)$/, '');
      const known = exported.includes(`'${base}'`) || (!!defaultPrefix && base.startsWith(defaultPrefix));
      expect(known, `${metric} is exported by the api`).toBe(true);
    }
  });
});

describe('Dockerfiles and nginx', () => {
  /** FROM images with ARG defaults substituted. */
  const fromImages = (text: string) => {
    const args = new Map([...text.matchAll(/^ARG\s+([A-Z_]+)=(\S+)/gm)].map((m) => [m[1] as string, m[2] as string]));
    return [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) => (m[1] as string).replace(/\$\{([A-Z_]+)\}/g, (_, n: string) => args.get(n) ?? ''));
  };
  const stages = (text: string) => new Set([...text.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1] as string));

  it('builds the api/worker image from pinned bases, non-root, with what workers need', () => {
    const text = read('Dockerfile');
    const own = stages(text);
    for (const image of fromImages(text).filter((i) => !own.has(i))) expect(image).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim$/);
    for (const pkg of ['python3', 'python3-venv', 'git', 'ca-certificates']) expect(text).toMatch(new RegExp(`apt-get install[^\\n]*\\n?[^\\n]*\\b${pkg}\\b`));
    expect(text).toMatch(/^RUN npm ci\b/m);
    expect(text).toMatch(/^USER 10001:10001$/m);
    expect(text).toContain('CMD ["node", "--import", "tsx", "api/src/main.ts"]');
    expect(existsSync(join(dockerDir, 'Dockerfile.dockerignore'))).toBe(true);
    expect(read('Dockerfile.dockerignore')).toMatch(/^\*\*\/\.env$/m);
  });

  it('builds the Board image on unprivileged nginx with the SPA template', () => {
    const text = read('board.Dockerfile');
    const own = stages(text);
    for (const image of fromImages(text).filter((i) => !own.has(i))) expect(image).toMatch(/:\d+\.\d+(\.\d+)?-/);
    expect(text).toContain('COPY docker/nginx.conf /etc/nginx/templates/default.conf.template');
    expect(text).toMatch(/^EXPOSE 3000$/m);
    const nginx = read('nginx.conf');
    expect(nginx).toMatch(/listen 3000;/);
    expect(nginx).toMatch(/try_files \$uri \$uri\/ \/index\.html;/);
    for (const location of ['location /api/', 'location = /healthz', 'location = /readyz']) {
      expect(nginx).toMatch(new RegExp(`${location.replace(/[/=]/g, '\\$&')} \\{\\s*proxy_pass \\$qatron_api;`));
    }
    // Every ${VAR} of the template is set by the image (or the nginx entrypoint), else nginx gets a literal ${VAR}.
    for (const name of interpolatedVariables(nginx.replace(/\$(?!\{)/g, ''))) expect(['QATRON_API_UPSTREAM', 'NGINX_LOCAL_RESOLVERS']).toContain(name);
  });
});

describe('install.sh and manage.sh', () => {
  for (const script of ['install.sh', 'manage.sh']) {
    it(`${script} is executable bash that parses (bash -n)`, () => {
      const path = join(dockerDir, script);
      expect(statSync(path).mode & 0o111, `${script} is executable`).not.toBe(0);
      const result = spawnSync('bash', ['-n', path], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    });
  }

  it('manage.sh offers start, stop, restart, status and logs', () => {
    const text = read('manage.sh');
    for (const command of ['start', 'stop', 'restart', 'status', 'logs']) expect(text).toMatch(new RegExp(`^\\s+${command}\\)`, 'm'));
  });

  it('install.sh generates the secrets and prompts for the admin password in production', () => {
    const text = read('install.sh');
    expect(text).toMatch(/set_var JWT_SECRET "\$\(random_hex/);
    expect(text).toMatch(/set_var METRICS_TOKEN "\$\(random_hex/);
    expect(text).toMatch(/read -r -s -p/);
    expect(text).toContain('/readyz');
  });
});
