import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/harness.js';
import { packCli } from './tarball.js';

const run = promisify(execFile);
let api: TestApi;
let dir: string;

beforeAll(async () => {
  api = await startTestApi();
  dir = await mkdtemp(join(tmpdir(), 'qatron-cli-package-'));
});
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

describe('GET /api/v1/cli/qatron-cli.tgz', () => {
  it('needs authentication', async () => {
    expect((await fetch(`${api.url}/api/v1/cli/qatron-cli.tgz`)).status).toBe(401);
  });

  it('serves the CLI as a tarball that npm installs offline and whose qatron runs', async () => {
    const { token } = await api.userWithToken('viewer');
    const res = await fetch(`${api.url}/api/v1/cli/qatron-cli.tgz`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="qatron-cli-\d+\.\d+\.\d+\.tgz"$/);
    const tarball = join(dir, 'qatron-cli.tgz');
    await writeFile(tarball, Buffer.from(await res.arrayBuffer()));

    // The same command the CI examples run, into a private prefix.
    const prefix = join(dir, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { env: { ...process.env, npm_config_update_notifier: 'false' } });
    const help = await run(join(prefix, 'bin', 'qatron'), ['--help']);
    expect(help.stdout).toMatch(/^qatron: the QAtron command-line client/);
    expect(help.stdout).toContain('artifacts download');
    const { stdout } = await run(join(prefix, 'bin', 'qatron'), ['init', join(dir, 'repo'), '--name', 'shop', '--output', 'json']);
    expect(stdout).toContain('shop');
    const workflow = await import('node:fs/promises').then((fs) => fs.readFile(join(dir, 'repo', '.github', 'workflows', 'qatron.yml'), 'utf8'));
    expect(workflow).toContain('/api/v1/cli/qatron-cli.tgz');

    // qatron.yaml is read by the yaml package bundled in the tarball: a folded string and a flow
    // list of mappings are read, and a syntax error names its line.
    await writeFile(
      join(dir, 'qatron.yaml'),
      'project:\n  name: bundled\n  description: >\n    Tests of\n    bundled\n  repo_url: https://github.com/acme/bundled.git\nenvironments: [{ name: staging }]\n',
    );
    const env = { ...process.env, QATRON_API_URL: api.url, QATRON_TOKEN: token, QATRON_CONFIG_DIR: join(dir, 'config') };
    const dryRun = await run(join(prefix, 'bin', 'qatron'), ['apply', '--dry-run', '--file', join(dir, 'qatron.yaml')], { env });
    expect(dryRun.stdout).toContain('project     bundled: would be created\nenvironment staging: would be created\n');
    await writeFile(join(dir, 'broken.yaml'), 'project:\n  name: bundled\n\trepo_url: x\n');
    const broken = await run(join(prefix, 'bin', 'qatron'), ['apply', '--file', join(dir, 'broken.yaml')], { env }).catch((error: { code: number; stderr: string }) => error);
    expect(broken).toMatchObject({ code: 3, stderr: `qatron: ${join(dir, 'broken.yaml')}:3: indent with spaces: YAML does not allow tabs for indentation\n` });
  });

  it('bundles the yaml package the CLI reads qatron.yaml with', async () => {
    const { tarball } = await packCli();
    const names = tarEntryNames(gunzipSync(tarball));
    expect(names).toContain('package/node_modules/yaml/package.json');
    expect(names).toContain('package/node_modules/yaml/dist/index.js');
    expect(names.filter((name) => name.startsWith('package/node_modules/') && !name.startsWith('package/node_modules/yaml/'))).toEqual([]);
  });
});

/** The file names in an uncompressed ustar archive (prefix and name fields joined). */
function tarEntryNames(archive: Buffer): string[] {
  const names: string[] = [];
  for (let offset = 0; offset + 512 <= archive.length; ) {
    const field = (start: number, length: number) => archive.subarray(offset + start, offset + start + length).toString('utf8').replace(/\0.*$/s, '');
    const name = field(0, 100);
    if (name === '') break;
    const prefix = field(345, 155);
    names.push(prefix ? `${prefix}/${name}` : name);
    const size = parseInt(field(124, 12), 8);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}
