import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';
import { bodyOf } from './suites.js';

afterEach(() => vi.unstubAllGlobals());

function capture() {
  let text = '';
  return { stream: { write: (chunk: string) => ((text += chunk), true), isTTY: false } as any, text: () => text };
}

const PROJECT = { id: 1, name: 'shop' };
const SUITE = { id: 4, project_id: 1, name: 'smoke', coverage: true, coverage_threshold: 80, allow_empty: false, install_command: null, python_version: null };

/**
 * Runs `qatron ARGV` against a fake API at the fetch level: project 1 "shop" with suite 4
 * "smoke"; a POST or PUT answers the sent body. Returns the exit code, the output and every
 * request with its JSON body.
 */
async function qatron(...argv: string[]) {
  const requests: { method: string; path: string; body: unknown }[] = [];
  vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
    const url = new URL(input);
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    requests.push({ method, path: url.pathname, body });
    const json = (status: number, data: unknown) => new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } });
    if (url.pathname === '/api/v1/projects') return json(200, { items: [PROJECT], total: 1, limit: 200, offset: 0 });
    if (url.pathname === '/api/v1/projects/1/suites' && method === 'GET') return json(200, { items: [SUITE], total: 1, limit: 200, offset: 0 });
    if (method === 'POST') return json(201, { id: 5, project_id: 1, ...body });
    if (method === 'PUT') return json(200, { ...SUITE, ...body });
    return json(404, { title: 'Not found', status: 404, detail: `no fake for ${method} ${url.pathname}` });
  });
  const stdout = capture();
  const stderr = capture();
  const code = await main([...argv, '--url', 'http://api.test', '--token', 't', '--output', 'json'], { QATRON_CONFIG_DIR: '/nonexistent/qatron' }, { stdout: stdout.stream, stderr: stderr.stream, stdin: { isTTY: false } as any });
  return { code, stdout: stdout.text(), stderr: stderr.text(), writes: requests.filter((r) => r.method !== 'GET') };
}

describe('suites create and update: run settings', () => {
  it('creates a suite without coverage that may select nothing, with its install command and Python', async () => {
    const result = await qatron('suites', 'create', '--project', 'shop', '--name', 'fast', '--no-coverage', '--allow-empty', '--install-command', 'pip install -e .[test]', '--python-version', '3.12');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.writes).toEqual([
      { method: 'POST', path: '/api/v1/projects/1/suites', body: { name: 'fast', coverage: false, coverage_threshold: null, allow_empty: true, install_command: 'pip install -e .[test]', python_version: '3.12' } },
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({ coverage: false, allow_empty: true, install_command: 'pip install -e .[test]', python_version: '3.12' });
  });

  it('updates only the settings given: coverage back on with a threshold, allow_empty off, install and Python back to their defaults', async () => {
    const result = await qatron('suites', 'update', 'smoke', '--project', 'shop', '--coverage', '--coverage-threshold', '75', '--no-allow-empty', '--install-command', 'none', '--python-version', 'none');
    expect(result.code).toBe(0);
    expect(result.writes).toEqual([{ method: 'PUT', path: '/api/v1/suites/4', body: { coverage: true, coverage_threshold: 75, allow_empty: false, install_command: null, python_version: null } }]);
  });

  it('sends no coverage field when neither --coverage nor --no-coverage is given', async () => {
    const result = await qatron('suites', 'update', 'smoke', '--project', 'shop', '--python-version', '3.11');
    expect(result.writes).toEqual([{ method: 'PUT', path: '/api/v1/suites/4', body: { python_version: '3.11' } }]);
  });

  it.each([
    [['--coverage', '--no-coverage'], 'qatron: give --coverage or --no-coverage, not both\n'],
    [['--allow-empty', '--no-allow-empty'], 'qatron: give --allow-empty or --no-allow-empty, not both\n'],
    [['--no-coverage', '--coverage-threshold', '80'], 'qatron: --coverage-threshold needs coverage: drop --no-coverage or the threshold\n'],
  ])('refuses %j with exit 3 before asking the API', async (flags, message) => {
    const result = await qatron('suites', 'update', 'smoke', '--project', 'shop', ...flags);
    expect(result).toMatchObject({ code: 3, stdout: '', stderr: message, writes: [] });
  });
});

describe('bodyOf', () => {
  it('leaves out every option not given', () => {
    expect(bodyOf({ shards: '2' })).toEqual({ shards: 2 });
  });

  it('keeps --no-coverage with --coverage-threshold none as coverage off and no threshold', () => {
    expect(bodyOf({ 'no-coverage': true, 'coverage-threshold': 'none' })).toEqual({ coverage: false, coverage_threshold: null });
  });
});
