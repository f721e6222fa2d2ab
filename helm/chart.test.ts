/**
 * Static checks of the Helm chart helm/qatron. Helm is not installed on these machines, so the
 * templates are checked as text: values paths, helper names, block balance, secret hygiene. When a
 * `helm` binary is on PATH the chart is also linted and rendered (skipped visibly otherwise).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { qatronConfigKeys } from '../docker/config-keys.js';

const chartDir = join(dirname(fileURLToPath(import.meta.url)), 'qatron');
const root = resolve(chartDir, '../..');
const templatesDir = join(chartDir, 'templates');
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
    ]) {
      expect(hasValuesPath(path), path).toBe(true);
    }
    const worker = values.worker as { autoscaling: { enabled: boolean }; secretEnv: unknown[] };
    expect(worker.autoscaling.enabled).toBe(false);
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
    // The Board's nginx reads QATRON_API_UPSTREAM (docker/nginx.conf), not QAtron's config.
    const boardOnly = new Set(['QATRON_API_UPSTREAM']);
    for (const { file, text } of templates) {
      for (const name of envNames(text)) expect(keys.has(name) || (file.startsWith('board-') && boardOnly.has(name)), `${file}: ${name}`).toBe(true);
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

const helmVersion = spawnSync('helm', ['version', '--short'], { encoding: 'utf8', timeout: 20_000 });
const helm = helmVersion.status === 0;
if (!helm) console.warn('[chart.test] skipping `helm lint` and `helm template`: helm is not installed');
const helmTitle = (title: string) => (helm ? title : `${title} (SKIPPED: helm is not installed)`);

describe('rendered with helm', () => {
  const render = (...sets: string[]) => {
    const args = ['template', 'qa', chartDir, '--namespace', 'qa', '--kube-version', '1.30.0', ...sets.flatMap((s) => ['--set', s])];
    const result = spawnSync('helm', args, { encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return parseAllDocuments(result.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } } | null).filter((d) => d !== null);
  };

  it.skipIf(!helm)(helmTitle('passes helm lint'), () => {
    const result = spawnSync('helm', ['lint', '--strict', chartDir, '--kube-version', '1.30.0'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  it.skipIf(!helm)(helmTitle('renders the defaults: api, worker, board, no optional objects'), () => {
    const kinds = render().map((d) => `${d.kind}/${d.metadata.name}`).sort();
    expect(kinds).toEqual(['ConfigMap/qa-qatron-config', 'Deployment/qa-qatron-api', 'Deployment/qa-qatron-board', 'Deployment/qa-qatron-worker', 'Service/qa-qatron-api', 'Service/qa-qatron-board', 'ServiceAccount/qa-qatron'].sort());
  });

  it.skipIf(!helm)(helmTitle('renders every optional object when enabled'), () => {
    const kinds = render('ingress.enabled=true', 'ingress.tls[0].secretName=qatron-tls', 'worker.autoscaling.enabled=true', 'metrics.serviceMonitor.enabled=true', 'worker.secretEnv[0]=repo-tokens').map((d) => d.kind);
    for (const kind of ['Ingress', 'HorizontalPodAutoscaler', 'ServiceMonitor']) expect(kinds).toContain(kind);
    expect(kinds).not.toContain('Secret');
  });
});
