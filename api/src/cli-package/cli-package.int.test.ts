import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/harness.js';

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
  });
});
