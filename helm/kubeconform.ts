/**
 * The chart's test tools, as scripts/bootstrap.sh installs them with QATRON_BOOTSTRAP_TEST_TOOLS=1
 * (`npm test` sets it): helm and kubeconform in .tools/go/bin, Kubernetes' strict JSON schemas and
 * the CRDs the chart renders in .tools/kubernetes-json-schema. Nothing is downloaded here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The Kubernetes release the chart is rendered for and validated against (bootstrap's KUBERNETES_SCHEMA_RELEASE). */
export const KUBERNETES_VERSION = '1.30.0';

/** A test tool's path: the pinned build in .tools/go/bin, else one on PATH; an Error says how to get it. */
export function testTool(root: string, name: 'helm' | 'kubeconform'): string {
  const built = join(root, '.tools/go/bin', name);
  const versionArgs = name === 'helm' ? ['version'] : ['-v'];
  for (const candidate of [built, name]) {
    if (spawnSync(candidate, versionArgs, { timeout: 20_000 }).status === 0) return candidate;
  }
  throw new Error(`${name} is not installed: run QATRON_BOOTSTRAP_TEST_TOOLS=1 bash scripts/bootstrap.sh (npm test does)`);
}

type CrdVersion = { name: string; schema: { openAPIV3Schema: object } };
type CrdSpec = { group: string; kind: string; versions: CrdVersion[] };

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The parts of a CustomResourceDefinition a schema is made of; an Error names a malformed file. */
function crdSpec(doc: unknown, file: string): CrdSpec {
  const spec = isObject(doc) && isObject(doc.spec) ? doc.spec : undefined;
  const kind = spec && isObject(spec.names) ? spec.names.kind : undefined;
  const versions = spec && Array.isArray(spec.versions) ? spec.versions : [];
  const parsed = versions.flatMap((v: unknown) =>
    isObject(v) && typeof v.name === 'string' && isObject(v.schema) && isObject(v.schema.openAPIV3Schema) ? [{ name: v.name, schema: { openAPIV3Schema: v.schema.openAPIV3Schema } }] : [],
  );
  if (typeof spec?.group !== 'string' || typeof kind !== 'string' || parsed.length === 0) throw new Error(`${file}: not a CRD with schemas`);
  return { group: spec.group, kind, versions: parsed };
}

/**
 * A CRD's OpenAPI schema made strict as kubeconform's own CRD converter makes it: an object that
 * lists its properties accepts no others, unless it says it keeps unknown fields.
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, strict(value)]));
  if ('properties' in copy && !('additionalProperties' in copy) && copy['x-kubernetes-preserve-unknown-fields'] !== true) {
    copy.additionalProperties = false;
  }
  return copy;
}

/**
 * JSON schemas for the CRDs bootstrap copied (KEDA's ScaledObject, the Prometheus Operator's
 * ServiceMonitor), one per served version, laid out as kubeconform's
 * `{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json` location expects.
 */
function crdSchemas(crdDir: string): string {
  const out = mkdtempSync(join(tmpdir(), 'qatron-crd-schemas-'));
  for (const file of readdirSync(crdDir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(crdDir, file), 'utf8'))) {
      const spec = crdSpec(doc.toJS(), file);
      mkdirSync(join(out, spec.group), { recursive: true });
      for (const version of spec.versions) {
        const target = join(out, spec.group, `${spec.kind.toLowerCase()}_${version.name}.json`);
        writeFileSync(target, JSON.stringify(strict(version.schema.openAPIV3Schema)));
      }
    }
  }
  return out;
}

/** One manifest's verdict (kubeconform's statuses: statusValid, statusInvalid, statusError, statusSkipped). */
export type ValidatedResource = { kind: string; name: string; version: string; status: string; msg?: string };
export type KubeconformReport = { resources: ValidatedResource[]; summary: { valid: number; invalid: number; errors: number; skipped: number } };

/** kubeconform's `-output json` report, checked field by field. */
function report(stdout: string): KubeconformReport {
  const json: unknown = JSON.parse(stdout);
  const summary = isObject(json) && isObject(json.summary) ? json.summary : {};
  const count = (key: string) => (typeof summary[key] === 'number' ? summary[key] : Number.NaN);
  const text = (r: Record<string, unknown>, key: string) => (typeof r[key] === 'string' ? r[key] : '');
  const resources = isObject(json) && Array.isArray(json.resources) ? json.resources.filter(isObject) : [];
  return {
    resources: resources.map((r) => ({ kind: text(r, 'kind'), name: text(r, 'name'), version: text(r, 'version'), status: text(r, 'status'), ...(r.msg ? { msg: text(r, 'msg') } : {}) })),
    summary: { valid: count('valid'), invalid: count('invalid'), errors: count('errors'), skipped: count('skipped') },
  };
}

/** A kubeconform run on manifests (`validate`), and `close` to remove the CRD schemas it wrote. */
export type Validator = { validate: (manifests: string) => KubeconformReport; close: () => void };

/** Validates manifests with `kubeconform -strict` against the bootstrapped schemas only (no download). */
export function validator(root: string): Validator {
  const kubeconform = testTool(root, 'kubeconform');
  const schemas = join(root, '.tools/kubernetes-json-schema');
  if (!existsSync(join(schemas, '.version'))) {
    throw new Error('the Kubernetes schemas are not installed: run QATRON_BOOTSTRAP_TEST_TOOLS=1 bash scripts/bootstrap.sh (npm test does)');
  }
  const crds = crdSchemas(join(schemas, 'crds'));
  const locations = [
    `${schemas}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    `${crds}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`,
  ];
  const args = ['-strict', '-summary', '-verbose', '-output', 'json', '-kubernetes-version', KUBERNETES_VERSION, ...locations.flatMap((l) => ['-schema-location', l]), '-'];
  return {
    validate: (manifests) => {
      const result = spawnSync(kubeconform, args, { input: manifests, encoding: 'utf8', timeout: 60_000 });
      if (result.stderr) throw new Error(`kubeconform: ${result.stderr}`);
      return report(result.stdout);
    },
    close: () => rmSync(crds, { recursive: true, force: true }),
  };
}
