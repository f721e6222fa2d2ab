/**
 * `qatron apply` and `qatron init --register` with a local repository the server does not allow
 * (issue 13 item 2): the CLI prints the server's rule, naming QATRON_LOCAL_REPO_ROOTS, and exits 3.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { main } from '../main.js';

const RULE = 'local repositories (file:// URLs and paths) are allowed only under a directory listed in QATRON_LOCAL_REPO_ROOTS, and never inside QATRON_HOME or a worker directory';
let api: TestApi;
let root: string;
let env: Record<string, string>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'qatron-cli-local-'));
  await mkdir(join(root, 'allowed', 'shop'), { recursive: true });
  api = await startTestApi({ QATRON_LOCAL_REPO_ROOTS: join(root, 'allowed') });
  env = { QATRON_CONFIG_DIR: join(root, 'config'), QATRON_API_URL: api.url, QATRON_TOKEN: await api.login('admin', 'admin') };
});
afterAll(async () => {
  await api?.close();
  await rm(root, { recursive: true, force: true });
});

async function qatron(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: false },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    stdin: { isTTY: false },
  } as any;
  const code = await main(argv, env, io);
  return { code, stdout, stderr };
}

describe('local repositories in the CLI', () => {
  it('apply prints the rule when the server refuses the repository', async () => {
    const file = join(root, 'refused.yaml');
    await writeFile(file, 'project:\n  name: etc-reader\n  repo_url: file:///etc\n');
    const { code, stderr } = await qatron(['apply', '--file', file]);
    expect(code).toBe(3);
    expect(stderr).toContain(`repo_url: resolves to /etc, outside the allowed directories (${join(root, 'allowed')}): ${RULE}`);
  });

  it('apply registers a repository under an allowed root', async () => {
    const file = join(root, 'allowed.yaml');
    await writeFile(file, `project:\n  name: local-shop\n  repo_url: ${join(root, 'allowed', 'shop')}\n`);
    const { code, stdout } = await qatron(['apply', '--file', file]);
    expect(code).toBe(0);
    expect(stdout).toContain('project     local-shop: created');
  });

  it('init --register prints the same rule', async () => {
    const { code, stderr } = await qatron(['init', join(root, 'new-tests'), '--name', 'new-tests', '--repo-url', join(root, 'elsewhere'), '--register']);
    expect(code).toBe(3);
    expect(stderr).toContain(`repo_url: names a local path that does not exist: ${RULE}`);
  });
});
