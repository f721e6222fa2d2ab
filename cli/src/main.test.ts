import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import { projectNameOf } from './resolve.js';

function capture() {
  let text = '';
  return { stream: { write: (chunk: string) => ((text += chunk), true), isTTY: false } as any, text: () => text };
}

async function cli(...argv: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await main(argv, { QATRON_CONFIG_DIR: '/nonexistent/qatron' }, { stdout: stdout.stream, stderr: stderr.stream, stdin: { isTTY: false } as any });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('argument parsing', () => {
  it('lists the commands on --help (exit 0) and without arguments (exit 3)', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('  runs list ');
    expect(help.stdout).toContain('  artifacts download ');
    expect((await cli()).code).toBe(3);
  });

  it('shows a command help with usage and examples', async () => {
    const help = await cli('projects', 'create', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: qatron projects create --name NAME --repo-url URL');
    expect(help.stdout).toContain('Examples:\n  qatron projects create --name shop');
  });

  it.each([
    [['bogus'], 'qatron: unknown command "bogus": run `qatron --help` for the list\n'],
    [['projects', 'bogus'], 'qatron: unknown command "projects bogus": run `qatron projects --help`\n'],
    [['runs', 'list', '--bogus'], "qatron: Unknown option '--bogus'; run `qatron runs list --help`\n"],
    [['runs', 'list', '--output', 'xml'], 'qatron: --output must be one of table, json, yaml, not "xml"\n'],
    [['whoami'], 'qatron: not logged in: run `qatron login --url URL` (or set QATRON_API_URL and QATRON_SERVICE_TOKEN)\n'],
    [['login'], 'qatron: missing --url: usage `qatron login --url URL`\n'],
    [['status', 'abc', '--url', 'http://x', '--token', 't'], 'qatron: RUN must be a run id, not "abc"\n'],
    [['status', '--url', 'http://x', '--token', 't'], 'qatron: missing RUN: usage `qatron status RUN`\n'],
    [['run', '--env', 'staging', '--url', 'http://x', '--token', 't'], 'qatron: missing --suite\n'],
    [['suites', 'create', '--name', 's', '--shards', 'two', '--url', 'http://x', '--token', 't'], 'qatron: --shards must be a whole number, not "two"\n'],
    [['environments', 'create', '--name', 'e', '--kind', 'staging', '--var', 'NOVALUE', '--url', 'http://x', '--token', 't'], 'qatron: --var takes KEY=VALUE, not "NOVALUE"\n'],
  ])('refuses %j with exit 3 and one line', async (argv, message) => {
    const result = await cli(...argv);
    expect(result).toEqual({ code: 3, stdout: '', stderr: message });
  });
});

describe('qatron.yaml project', () => {
  it('reads `project: NAME`, a block and a flow map', () => {
    expect(projectNameOf('version: 1\nproject: shop # the shop\n')).toBe('shop');
    expect(projectNameOf('project: "my shop"\n')).toBe('my shop');
    expect(projectNameOf('project:\n  repo_url: x\n  name: shop\nsuites: []\n')).toBe('shop');
    expect(projectNameOf('project: { name: shop, repo_url: x }\n')).toBe('shop');
    expect(projectNameOf('suites:\n  project: nope\n')).toBeNull();
  });
});
