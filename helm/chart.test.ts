/**
 * Checks of the Helm chart helm/qatron. The templates are checked as text (values paths, helper
 * names, block balance, secret hygiene), then linted and rendered with helm, and the renders are
 * validated against Kubernetes' and the CRDs' schemas with kubeconform (both from the bootstrap).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SHARDS_TASK_QUEUE } from '@qatron/domain/task-queues';
import { qatronConfigKeys } from '../docker/config-keys.js';
import { KUBERNETES_VERSION, testTool, validator, type Validator } from './kubeconform.js';

const chartDir = join(dirname(fileURLToPath(import.meta.url)), 'qatron');
const root = resolve(chartDir, '../..');
const templatesDir = join(chartDir, 'templates');
/** High availability values: the chart's example for several replicas and external services. */
const haValuesFile = join(chartDir, 'values-ha.yaml');
const templates = readdirSync(templatesDir)
  .filter((f) => /\.(ya?ml|tpl|txt)$/.test(f))
  .map((file) => ({ file, text: readFileSync(join(templatesDir, file), 'utf8') }));
const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;

/** Template text without `{{/* … *\/}}` comments, whose prose may mention anything. */
const withoutComments = (text: string) => text.replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '');

/** Whether a dotted path (e.g. worker.autoscaling.enabled) exists in values.yaml. */
function hasValuesPath(path: string): boolean {
  let node: unknown = values;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !(key in (node as object))) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

/**
 * A template's YAML skeleton: lines that are only template actions dropped, inline actions replaced
 * by the string TPL. Enough to check the literal structure (probes, ports, volumes) without helm.
 */
function skeleton(text: string): unknown {
  const lines = withoutComments(text)
    .split('\n')
    .filter((line) => !/^\s*\{\{.*\}\}\s*$/.test(line));
  return parse(lines.join('\n').replace(/\{\{.*?\}\}/g, 'TPL'));
}

type Probe = { httpGet?: { path?: string; port?: string | number } };
type Container = {
  name: string;
  image?: string;
  env?: { name: string; value?: string }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string }[];
};
type PodSpec = { containers: Container[]; volumes?: { name: string; emptyDir?: { medium?: string; sizeLimit?: string } }[] };
type Workload = { kind: string; metadata: { name: string }; spec: { template: { spec: PodSpec } } };

/** The first container of a Deployment template's skeleton, and its pod spec. */
function firstContainer(file: string): { pod: PodSpec; container: Container } {
  const text = templates.find((t) => t.file === file)?.text ?? '';
  const pod = (skeleton(text) as Workload).spec.template.spec;
  return { pod, container: pod.containers[0] as Container };
}

/** The container port a probe targets (a port name or number). */
const probePort = (container: Container, probe: Probe | undefined) => {
  const port = probe?.httpGet?.port;
  return typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;
};

/** Environment variable names in a template: `- name: X` directly under `env:` lists (and ConfigMap data keys). */
function envNames(text: string): string[] {
  return [...text.matchAll(/^\s*- name: ([A-Z][A-Z0-9_]*)\s*$/gm)].map((m) => m[1] as string);
}

describe('Chart.yaml', () => {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;

  it('declares a v2 application chart of QAtron 0.1.0', () => {
    expect(chart.apiVersion).toBe('v2');
    expect(chart.name).toBe('qatron');
    expect(chart.type).toBe('application');
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    // A string, so that YAML never turns a version like 1.10 into the number 1.1.
    expect(chart.appVersion).toBe('0.1.0');
    expect(chart.kubeVersion).toBe('>=1.24.0-0');
    expect(chart.description).toBeTruthy();
  });
});

describe('values.yaml', () => {
  it('parses and carries the documented settings', () => {
    for (const path of [
      'image.repository',
      'image.tag',
      'api.replicas',
      'api.resources',
      'worker.replicas',
      'worker.resources',
      'worker.autoscaling.enabled',
      'worker.autoscaling.keda.enabled',
      'worker.autoscaling.keda.targetQueueSize',
      'worker.autoscaling.keda.authenticationRef',
      'worker.secretEnv',
      'board.enabled',
      'ingress.enabled',
      'externalDatabase.existingSecret',
      'temporal.address',
      's3.bucket',
      's3.endpoint',
      's3.existingSecret',
      'auth.existingSecret',
      'metrics.serviceMonitor.enabled',
      'seleniumGrid.enabled',
      'seleniumGrid.externalUrl',
      'seleniumGrid.name',
      'seleniumGrid.hub.image.tag',
      'seleniumGrid.hub.resources',
      'seleniumGrid.node.image.tag',
      'seleniumGrid.node.replicas',
      'seleniumGrid.node.maxSessions',
      'seleniumGrid.node.shmSizeLimit',
      'seleniumGrid.node.resources',
    ]) {
      expect(hasValuesPath(path), path).toBe(true);
    }
    const worker = values.worker as { autoscaling: { enabled: boolean; keda: { enabled: boolean } }; secretEnv: unknown[] };
    expect(worker.autoscaling.enabled).toBe(false);
    expect(worker.autoscaling.keda.enabled).toBe(false);
    expect(worker.secretEnv).toEqual([]);
    expect((values.ingress as { enabled: boolean }).enabled).toBe(false);
    expect((values.metrics as { serviceMonitor: { enabled: boolean } }).serviceMonitor.enabled).toBe(false);
  });

  it('holds Secret names, never secret values', () => {
    // A credential-like setting must name a Secret (existingSecret, secretName, imagePullSecrets,
    // secretEnv) or a key within one (…Key); and no string may be a URL with a password in it.
    const references = /existingSecret$|Key$|^secretName$|^imagePullSecrets$|^secretEnv$/;
    const walk = (node: unknown, path: string[]): void => {
      const key = path.at(-1) ?? '';
      if (/password|secret|token|credential|accesskey|^url$/i.test(key)) {
        expect(references.test(key), `${path.join('.')} should reference a Secret, not hold a value`).toBe(true);
      }
      if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
        return;
      }
      if (typeof node === 'string') expect(node, path.join('.')).not.toMatch(/:\/\/[^/@\s]+:[^/@\s]+@/);
    };
    walk(values, []);
    expect(hasValuesPath('externalDatabase.url')).toBe(false);
  });
});

describe('templates', () => {
  it('refers only to .Values paths that values.yaml defines', () => {
    for (const { file, text } of templates) {
      for (const m of withoutComments(text).matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
        const path = (m[1] as string).slice(1);
        expect(hasValuesPath(path), `${file}: .Values.${path}`).toBe(true);
      }
    }
  });

  it('includes only helpers that _helpers.tpl defines, and defines the standard ones', () => {
    const helpers = templates.find((t) => t.file === '_helpers.tpl')?.text ?? '';
    const defined = new Set([...helpers.matchAll(/\{\{-?\s*define\s+"([^"]+)"/g)].map((m) => m[1] as string));
    for (const name of ['qatron.name', 'qatron.fullname', 'qatron.labels', 'qatron.selectorLabels', 'qatron.image']) expect(defined, name).toContain(name);
    for (const { file, text } of templates) {
      for (const m of text.matchAll(/\b(?:include|template)\s+"([^"]+)"/g)) expect(defined.has(m[1] as string), `${file}: include "${m[1]}"`).toBe(true);
    }
  });

  it('balances every if/range/with/define block with an end', () => {
    for (const { file, text } of templates) {
      let depth = 0;
      for (const m of withoutComments(text).matchAll(/\{\{-?\s*(if|range|with|define|block|end)\b/g)) {
        depth += m[1] === 'end' ? -1 : 1;
        expect(depth, `${file}: {{ end }} without an opening block`).toBeGreaterThanOrEqual(0);
      }
      expect(depth, `${file}: unclosed blocks`).toBe(0);
    }
  });

  it('contains no secret value: no Secret objects, secret variables only through secretKeyRef', () => {
    for (const { file, text } of templates) {
      expect(text, file).not.toMatch(/^kind:\s*Secret\s*$/m);
      expect(text, file).not.toMatch(/minioadmin|change-me|admin\/admin|BEGIN [A-Z ]*PRIVATE KEY/);
      const lines = text.split('\n');
      lines.forEach((line, i) => {
        const name = /^\s*- name: ([A-Z][A-Z0-9_]*)\s*$/.exec(line)?.[1];
        if (name && /PASSWORD|SECRET|TOKEN|ACCESS_KEY|DATABASE_URL/.test(name)) {
          expect(lines[i + 1]?.trim(), `${file}: ${name} must use valueFrom`).toBe('valueFrom:');
          expect(lines[i + 2]?.trim(), `${file}: ${name} must come from a Secret`).toBe('secretKeyRef:');
        }
      });
    }
  });

  it('sets only variables QAtron reads (domain/src/config.ts)', () => {
    const keys = qatronConfigKeys(root);
    // The Board's nginx reads QATRON_API_UPSTREAM (docker/nginx.conf), not QAtron's config; the
    // Grid's own images read SE_* (docker-selenium's settings).
    const boardOnly = new Set(['QATRON_API_UPSTREAM']);
    const foreign = (file: string, name: string) => (file.startsWith('board-') && boardOnly.has(name)) || (file.startsWith('selenium-') && name.startsWith('SE_'));
    for (const { file, text } of templates) {
      for (const name of envNames(text)) expect(keys.has(name) || foreign(file, name), `${file}: ${name}`).toBe(true);
    }
    const configMap = templates.find((t) => t.file === 'configmap.yaml')?.text ?? '';
    const dataKeys = [...(configMap.split(/^data:\s*$/m)[1] ?? '').matchAll(/^\s{2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] as string);
    expect(dataKeys.length).toBeGreaterThan(5);
    for (const key of dataKeys) expect(keys.has(key), `configmap.yaml: ${key}`).toBe(true);
  });

  it('probes the api on /readyz and /healthz and can pass --migrate', () => {
    const api = templates.find((t) => t.file === 'api-deployment.yaml')?.text ?? '';
    expect(api).toMatch(/readinessProbe:\s*\n\s*httpGet:\s*\n\s*path: \/readyz/);
    expect(api).toMatch(/livenessProbe:\s*\n\s*httpGet:\s*\n\s*path: \/healthz/);
    expect(api).toMatch(/\{\{-? if \.Values\.api\.migrateOnStart \}\}\s*\n\s*args: \["--migrate"\]/);
    const worker = templates.find((t) => t.file === 'worker-deployment.yaml')?.text ?? '';
    expect(worker).toMatch(/range \.Values\.worker\.secretEnv \}\}\s*\n\s*- secretRef:/);
  });
});

describe('the Selenium Grid (issue 16: FR-INF, PRD 14)', () => {
  type GridValues = {
    enabled: boolean;
    externalUrl: string;
    hub: { image: { repository: string; tag: string } };
    node: { image: { repository: string; tag: string }; replicas: number; maxSessions: number; shmSizeLimit: string };
  };
  const grid = values.seleniumGrid as GridValues;
  const gridTemplates = templates.filter((t) => t.file.startsWith('selenium-'));
  const helpers = templates.find((t) => t.file === '_helpers.tpl')?.text ?? '';
  /** One `define` of _helpers.tpl, up to the next helper's comment or define. */
  const helper = (name: string) => {
    const start = helpers.indexOf(`{{- define "${name}" -}}`);
    if (start < 0) return '';
    const next = [helpers.indexOf('\n{{/*', start), helpers.indexOf('\n{{- define', start + 1)].filter((i) => i > 0);
    return helpers.slice(start, Math.min(helpers.length, ...next));
  };

  it('pins the official hub and Chromium node images to one docker-selenium release, enabled by default', () => {
    expect(grid.enabled).toBe(true);
    expect(grid.externalUrl).toBe('');
    expect(grid.hub.image.repository).toBe('selenium/hub');
    expect(grid.node.image.repository).toBe('selenium/node-chromium');
    // The full release tag <grid version>-<build date>, never latest or a floating 4.48.
    expect(grid.hub.image.tag).toMatch(/^4\.\d+\.\d+-20\d{6}$/);
    expect(grid.node.image.tag).toBe(grid.hub.image.tag);
    expect(grid.node.maxSessions).toBe(2);
    expect(grid.node.replicas).toBeGreaterThanOrEqual(1);
    // And compose runs the same release (docker/docker-compose.yml).
    const compose = readFileSync(join(root, 'docker/docker-compose.yml'), 'utf8');
    expect(compose).toContain(`image: selenium/hub:${grid.hub.image.tag}\n`);
    expect(compose).toContain(`image: selenium/node-chromium:${grid.node.image.tag}\n`);
  });

  it('renders nothing of the Grid unless seleniumGrid.enabled: every Grid template is one if block', () => {
    expect(gridTemplates.map((t) => t.file).sort()).toEqual(['selenium-hub-deployment.yaml', 'selenium-hub-service.yaml', 'selenium-node-deployment.yaml']);
    for (const { file, text } of gridTemplates) {
      const body = withoutComments(text).trim();
      expect(body.startsWith('{{- if .Values.seleniumGrid.enabled }}'), file).toBe(true);
      expect(body.endsWith('{{- end }}'), file).toBe(true);
      // The opening if closes only at the very end: nothing renders outside it.
      let depth = 0;
      const blocks = [...body.matchAll(/\{\{-?\s*(if|range|with|define|block|end)\b/g)];
      blocks.forEach((m, i) => {
        depth += m[1] === 'end' ? -1 : 1;
        if (i < blocks.length - 1) expect(depth, `${file}: the seleniumGrid.enabled block closes early`).toBeGreaterThan(0);
      });
    }
  });

  it('probes the hub on /readyz (4444) and the node on /status (5555)', () => {
    const hub = firstContainer('selenium-hub-deployment.yaml').container;
    for (const probe of [hub.readinessProbe, hub.livenessProbe]) {
      expect(probe?.httpGet?.path).toBe('/readyz');
      expect(probePort(hub, probe)).toBe(4444);
    }
    const node = firstContainer('selenium-node-deployment.yaml').container;
    for (const probe of [node.readinessProbe, node.livenessProbe]) {
      expect(probe?.httpGet?.path).toBe('/status');
      expect(probePort(node, probe)).toBe(5555);
    }
  });

  it('serves the hub on 4442, 4443 and 4444, and joins nodes to its event bus with maxSessions sessions', () => {
    const service = skeleton(templates.find((t) => t.file === 'selenium-hub-service.yaml')?.text ?? '') as { spec: { ports: { port: number; targetPort: string }[] } };
    const hub = firstContainer('selenium-hub-deployment.yaml').container;
    expect(service.spec.ports.map((p) => p.port).sort()).toEqual([4442, 4443, 4444]);
    for (const port of service.spec.ports) expect(hub.ports?.find((p) => p.name === port.targetPort)?.containerPort, port.targetPort).toBe(port.port);
    // Hub Deployment, hub Service and the nodes' event bus host are one name, from one helper.
    const hubText = templates.find((t) => t.file === 'selenium-hub-deployment.yaml')?.text ?? '';
    const serviceText = templates.find((t) => t.file === 'selenium-hub-service.yaml')?.text ?? '';
    const nodeText = templates.find((t) => t.file === 'selenium-node-deployment.yaml')?.text ?? '';
    for (const text of [hubText, serviceText]) expect(text).toMatch(/^ {2}name: \{\{ include "qatron\.seleniumHubName" \. \}\}$/m);
    expect(nodeText).toMatch(/- name: SE_EVENT_BUS_HOST\n\s+value: \{\{ include "qatron\.seleniumHubName" \. \| quote \}\}/);
    const env = Object.fromEntries((firstContainer('selenium-node-deployment.yaml').container.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ SE_EVENT_BUS_PUBLISH_PORT: '4442', SE_EVENT_BUS_SUBSCRIBE_PORT: '4443', SE_NODE_OVERRIDE_MAX_SESSIONS: 'true' });
    expect(nodeText).toContain('value: {{ .Values.seleniumGrid.node.maxSessions | toString | quote }}');
    expect(nodeText).toContain('replicas: {{ .Values.seleniumGrid.node.replicas }}');
  });

  it('gives Chromium a memory-backed /dev/shm', () => {
    const { pod, container } = firstContainer('selenium-node-deployment.yaml');
    const mount = container.volumeMounts?.find((m) => m.mountPath === '/dev/shm');
    expect(mount).toBeDefined();
    const volume = pod.volumes?.find((v) => v.name === mount?.name);
    expect(volume?.emptyDir?.medium).toBe('Memory');
    expect(templates.find((t) => t.file === 'selenium-node-deployment.yaml')?.text).toContain('sizeLimit: {{ .Values.seleniumGrid.node.shmSizeLimit }}');
  });

  it('hands workers QATRON_GRID_URL and QATRON_GRID_NAME: the hub Service, else seleniumGrid.externalUrl, else nothing', () => {
    const keys = qatronConfigKeys(root);
    for (const key of ['QATRON_GRID_URL', 'QATRON_GRID_NAME']) expect(keys, `domain/src/config.ts reads ${key}`).toContain(key);
    const worker = templates.find((t) => t.file === 'worker-deployment.yaml')?.text ?? '';
    expect(worker).toMatch(/^\s+\{\{- include "qatron\.gridEnv" \. \| nindent 12 \}\}$/m);
    const env = helper('qatron.gridEnv');
    expect(env).toMatch(/with include "qatron\.gridUrl" \.[\s\S]*- name: QATRON_GRID_URL\n\s+value: \{\{ \. \| quote \}\}\n- name: QATRON_GRID_NAME\n/);
    const url = helper('qatron.gridUrl');
    // Enabled: the chart's hub Service on 4444; an externalUrl beside it is refused, not ignored.
    expect(url).toMatch(/if \.Values\.seleniumGrid\.enabled[\s\S]*fail [\s\S]*printf "http:\/\/%s\.%s\.svc\.%s:4444" \(include "qatron\.seleniumHubName" \.\)[\s\S]*else -?\}\}\s*\{\{- \.Values\.seleniumGrid\.externalUrl -\}\}/);
  });
});

describe('rendered with helm', () => {
  // helm comes from the bootstrap (npm test sets QATRON_BOOTSTRAP_TEST_TOOLS=1): these tests fail,
  // rather than skip, on a machine without it.
  let helm = 'helm';
  beforeAll(() => {
    helm = testTool(root, 'helm');
  });
  /** `helm template` of the chart as release qa in namespace qa: the manifests as text. */
  const template = (...args: string[]) => {
    const result = spawnSync(helm, ['template', 'qa', chartDir, '--namespace', 'qa', '--kube-version', KUBERNETES_VERSION, ...args], { encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return result.stdout;
  };
  const render = (...sets: string[]) =>
    parseAllDocuments(template(...sets.flatMap((s) => ['--set', s])))
      .map((d) => d.toJS() as { kind: string; metadata: { name: string } } | null)
      .filter((d) => d !== null);

  it('passes helm lint', () => {
    const result = spawnSync(helm, ['lint', '--strict', chartDir, '--kube-version', KUBERNETES_VERSION], { encoding: 'utf8', timeout: 60_000 });
    expect(result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  it('renders the defaults: api, worker, board, the Selenium Grid, no optional objects', () => {
    const kinds = render().map((d) => `${d.kind}/${d.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        'ConfigMap/qa-qatron-config',
        'Deployment/qa-qatron-api',
        'Deployment/qa-qatron-board',
        'Deployment/qa-qatron-worker',
        'Deployment/qa-qatron-selenium-hub',
        'Deployment/qa-qatron-selenium-node-chromium',
        'Service/qa-qatron-api',
        'Service/qa-qatron-board',
        'Service/qa-qatron-selenium-hub',
        'ServiceAccount/qa-qatron',
      ].sort(),
    );
  });

  /** The worker container's literal env values (name -> value) of a render. */
  const workerEnv = (docs: { kind: string; metadata: { name: string } }[]) => {
    const worker = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'qa-qatron-worker') as Workload | undefined;
    return Object.fromEntries((worker?.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
  };

  it('wires workers to the chart\'s hub Service by default', () => {
    const docs = render();
    expect(workerEnv(docs)).toMatchObject({ QATRON_GRID_URL: 'http://qa-qatron-selenium-hub.qa.svc.cluster.local:4444', QATRON_GRID_NAME: 'qa-grid' });
    const node = docs.find((d) => d.metadata.name === 'qa-qatron-selenium-node-chromium') as Workload | undefined;
    const env = Object.fromEntries((node?.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ SE_EVENT_BUS_HOST: 'qa-qatron-selenium-hub', SE_NODE_MAX_SESSIONS: '2' });
    expect(node?.spec.template.spec.containers[0]?.image).toBe(`selenium/node-chromium:${(values.seleniumGrid as { node: { image: { tag: string } } }).node.image.tag}`);
  });

  it('renders no Grid and no QATRON_GRID_* with seleniumGrid.enabled=false', () => {
    const docs = render('seleniumGrid.enabled=false');
    expect(docs.filter((d) => d.metadata.name.includes('selenium')).map((d) => d.metadata.name)).toEqual([]);
    expect(Object.keys(workerEnv(docs)).filter((k) => k.startsWith('QATRON_GRID'))).toEqual([]);
  });

  it('points workers at seleniumGrid.externalUrl instead', () => {
    const docs = render('seleniumGrid.enabled=false', 'seleniumGrid.externalUrl=http://selenium-hub.grid:4444', 'seleniumGrid.name=shared-grid');
    expect(docs.filter((d) => d.metadata.name.includes('selenium')).map((d) => d.metadata.name)).toEqual([]);
    expect(workerEnv(docs)).toMatchObject({ QATRON_GRID_URL: 'http://selenium-hub.grid:4444', QATRON_GRID_NAME: 'shared-grid' });
  });

  it('refuses an externalUrl beside the chart\'s own Grid', () => {
    const args = ['template', 'qa', chartDir, '--namespace', 'qa', '--kube-version', KUBERNETES_VERSION, '--set', 'seleniumGrid.externalUrl=http://elsewhere:4444'];
    const result = spawnSync(helm, args, { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set seleniumGrid.enabled=false');
  });

  it('renders every optional object when enabled', () => {
    const kinds = render('ingress.enabled=true', 'ingress.tls[0].secretName=qatron-tls', 'worker.autoscaling.enabled=true', 'metrics.serviceMonitor.enabled=true', 'worker.secretEnv[0]=repo-tokens').map((d) => d.kind);
    for (const kind of ['Ingress', 'HorizontalPodAutoscaler', 'ServiceMonitor']) expect(kinds).toContain(kind);
    expect(kinds).not.toContain('Secret');
  });

  type ScaledObject = {
    kind: string;
    metadata: { name: string };
    spec: {
      scaleTargetRef: { name: string };
      minReplicaCount: number;
      maxReplicaCount: number;
      triggers: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[];
    };
  };

  it('scales workers on the shard backlog with KEDA: a ScaledObject with the temporal trigger, no HPA, no fixed replica count', () => {
    const docs = render('worker.autoscaling.keda.enabled=true', 'temporal.address=temporal.example:7233', 'temporal.namespace=qa-ns');
    expect(docs.map((d) => d.kind)).not.toContain('HorizontalPodAutoscaler');
    const scaled = docs.find((d) => d.kind === 'ScaledObject') as ScaledObject | undefined;
    expect(scaled?.spec.scaleTargetRef.name).toBe('qa-qatron-worker');
    expect([scaled?.spec.minReplicaCount, scaled?.spec.maxReplicaCount]).toEqual([2, 10]);
    expect(scaled?.spec.triggers).toEqual([
      {
        type: 'temporal',
        // The queue the run workflow hands shards to, as activity tasks; a pod per shardSlots waiting.
        metadata: { endpoint: 'temporal.example:7233', namespace: 'qa-ns', taskQueue: SHARDS_TASK_QUEUE, queueTypes: 'activity', targetQueueSize: '2', activationTargetQueueSize: '0' },
      },
    ]);
    const worker = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'qa-qatron-worker') as { spec: { replicas?: number } } | undefined;
    expect(worker?.spec.replicas).toBeUndefined();
    // The CPU HPA is what worker.autoscaling.enabled gives without KEDA.
    expect(render('worker.autoscaling.enabled=true').map((d) => d.kind)).toContain('HorizontalPodAutoscaler');
    expect(render().map((d) => d.kind)).not.toContain('ScaledObject');
  });

  it('passes KEDA a TriggerAuthentication by name and an explicit target, and refuses scaling workers to zero', () => {
    const docs = render('worker.autoscaling.keda.enabled=true', 'worker.autoscaling.keda.authenticationRef=temporal-cloud', 'worker.autoscaling.keda.targetQueueSize=5');
    const trigger = (docs.find((d) => d.kind === 'ScaledObject') as ScaledObject | undefined)?.spec.triggers[0];
    expect(trigger?.authenticationRef).toEqual({ name: 'temporal-cloud' });
    expect(trigger?.metadata.targetQueueSize).toBe('5');
    const args = ['template', 'qa', chartDir, '--kube-version', KUBERNETES_VERSION, '--set', 'worker.autoscaling.keda.enabled=true', '--set', 'worker.autoscaling.minReplicas=0'];
    const result = spawnSync(helm, args, { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('worker.autoscaling.minReplicas: at least 1 with KEDA');
  });

  describe(`validated against Kubernetes ${KUBERNETES_VERSION} schemas (kubeconform -strict)`, () => {
    let kubeconform: Validator | undefined;
    const validate = (manifests: string) => {
      kubeconform ??= validator(root);
      return kubeconform.validate(manifests);
    };
    afterAll(() => kubeconform?.close());
    /** Every manifest of a render is valid: none invalid, none skipped for want of a schema. */
    const expectValid = (manifests: string) => {
      const report = validate(manifests);
      const count = parseAllDocuments(manifests).filter((d) => d.toJS() !== null).length;
      expect(report.resources.filter((r) => r.status !== 'statusValid')).toEqual([]);
      expect(report.summary).toEqual({ valid: count, invalid: 0, errors: 0, skipped: 0 });
      return report.resources.map((r) => r.kind);
    };

    it('the defaults', () => {
      expect(expectValid(template())).toContain('Deployment');
    });

    it('the HA values (values-ha.yaml): several api replicas, external PostgreSQL, Temporal and S3, autoscaled workers', () => {
      const kinds = expectValid(template('-f', haValuesFile));
      // The ScaledObject against KEDA's CRD; the ServiceMonitor against the Prometheus Operator's.
      for (const kind of ['ScaledObject', 'ServiceMonitor', 'Ingress']) expect(kinds).toContain(kind);
      expect(kinds).not.toContain('HorizontalPodAutoscaler');
      const withoutKeda = expectValid(template('-f', haValuesFile, '--set', 'worker.autoscaling.keda.enabled=false', '--set', 'worker.autoscaling.enabled=true'));
      expect(withoutKeda).toContain('HorizontalPodAutoscaler');
      expect(withoutKeda).not.toContain('ScaledObject');
      expectValid(template('-f', haValuesFile, '--set', 'worker.autoscaling.keda.authenticationRef=temporal-cloud'));
    });

    it('every optional object: Ingress, HorizontalPodAutoscaler, ServiceMonitor (its CRD\'s schema)', () => {
      const kinds = expectValid(template(...['ingress.enabled=true', 'ingress.tls[0].secretName=qatron-tls', 'worker.autoscaling.enabled=true', 'metrics.serviceMonitor.enabled=true'].flatMap((s) => ['--set', s])));
      for (const kind of ['Ingress', 'HorizontalPodAutoscaler', 'ServiceMonitor']) expect(kinds).toContain(kind);
    });

    it('rejects what a cluster would: a misspelled field, a string where a count goes, ServiceMonitor and ScaledObject fields that do not exist', () => {
      const manifests = template('--set', 'metrics.serviceMonitor.enabled=true', '--set', 'worker.autoscaling.keda.enabled=true');
      const broken = [
        manifests.replace(/^ {2}replicas: 2$/m, '  replica: 2'),
        manifests.replace(/^ {2}replicas: 2$/m, '  replicas: two'),
        manifests.replace(/^ {2}endpoints:$/m, '  endpoint:'),
        manifests.replace(/^ {2}minReplicaCount: 2$/m, '  minReplicas: 2'),
        manifests.replace(/^ {2}maxReplicaCount: 10$/m, '  maxReplicaCount: ten'),
      ];
      for (const text of broken) {
        expect(text).not.toBe(manifests);
        const report = validate(text);
        expect(report.summary.invalid, report.resources.map((r) => r.msg).join('\n')).toBe(1);
      }
    });
  });
});
