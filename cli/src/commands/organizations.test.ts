import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

afterEach(() => vi.unstubAllGlobals());

function capture() {
  let text = '';
  return { stream: { write: (chunk: string) => ((text += chunk), true), isTTY: false } as any, text: () => text };
}

const DEFAULT = { id: 1, name: 'Default Organization', slug: 'default', is_active: true, deactivated_at: null, settings: {}, created_at: '2026-12-01T00:00:00.000Z', updated_at: '2026-12-01T00:00:00.000Z' };
const ACME = { ...DEFAULT, id: 2, name: 'Acme QA', slug: 'acme-qa' };

/**
 * Runs `qatron ARGV` against a fake API at the fetch level holding organizations 1 (default) and 2
 * (acme-qa). Returns the exit code, the output and every request with its JSON body.
 */
async function qatron(argv: string[], env: Record<string, string> = {}) {
  const requests: { method: string; path: string; body: unknown }[] = [];
  vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
    const url = new URL(input);
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    requests.push({ method, path: url.pathname, body });
    const json = (status: number, data: unknown) => new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } });
    if (url.pathname === '/api/v1/organizations' && method === 'GET') return json(200, { items: [DEFAULT, ACME], total: 2, limit: 200, offset: 0, platform_admin: true });
    if (url.pathname === '/api/v1/organizations' && method === 'POST') {
      return json(201, { ...ACME, id: 3, name: body.name, slug: 'new', admin: { id: 7, username: body.admin.username, email: body.admin.email } });
    }
    if (url.pathname === '/api/v1/organizations/2/deactivate') return json(200, { ...ACME, is_active: false, deactivated_at: '2026-12-06T00:00:00.000Z' });
    if (url.pathname === '/api/v1/organizations/9/deactivate') {
      return new Response(JSON.stringify({ title: 'Forbidden', status: 403, code: 'platform_admin_required', detail: 'Only a platform administrator can deactivate organizations' }), { status: 403, headers: { 'content-type': 'application/problem+json' } });
    }
    if (url.pathname === '/api/v1/organizations/9') return json(200, { ...ACME, id: 9 });
    return json(404, { title: 'Not found', status: 404, detail: `no fake for ${method} ${url.pathname}` });
  });
  const stdout = capture();
  const stderr = capture();
  const code = await main([...argv, '--url', 'http://api.test', '--token', 't'], { QATRON_CONFIG_DIR: '/nonexistent/qatron', ...env }, { stdout: stdout.stream, stderr: stderr.stream, stdin: { isTTY: false } as any });
  return { code, stdout: stdout.text(), stderr: stderr.text(), writes: requests.filter((r) => r.method !== 'GET') };
}

describe('qatron organizations', () => {
  it('lists the organizations as JSON', async () => {
    const result = await qatron(['organizations', 'list', '--output', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).map((o: { slug: string }) => o.slug)).toEqual(['default', 'acme-qa']);
  });

  it('lists them as a table with their state', async () => {
    const result = await qatron(['organizations', 'list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ID\s+NAME\s+SLUG\s+IS ACTIVE\s+DEACTIVATED AT/);
    expect(result.stdout).toContain('acme-qa');
  });

  it('creates an organization with its first admin, the password from QATRON_ADMIN_PASSWORD', async () => {
    const result = await qatron(['organizations', 'create', '--name', 'New', '--admin-username', 'new-admin', '--admin-email', 'a@new.test', '--output', 'json'], { QATRON_ADMIN_PASSWORD: 'initial-password' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.writes).toEqual([
      { method: 'POST', path: '/api/v1/organizations', body: { name: 'New', admin: { username: 'new-admin', email: 'a@new.test', password: 'initial-password' } } },
    ]);
    expect(JSON.parse(result.stdout).admin).toEqual({ id: 7, username: 'new-admin', email: 'a@new.test' });
  });

  it('refuses to create without a password when it cannot prompt (exit 3, nothing sent)', async () => {
    const result = await qatron(['organizations', 'create', '--name', 'New', '--admin-username', 'new-admin', '--admin-email', 'a@new.test']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('missing --admin-password (or QATRON_ADMIN_PASSWORD)');
    expect(result.writes).toEqual([]);
  });

  it('deactivates an organization named by its slug', async () => {
    const result = await qatron(['organizations', 'deactivate', 'acme-qa']);
    expect(result.code).toBe(0);
    expect(result.writes).toEqual([{ method: 'POST', path: '/api/v1/organizations/2/deactivate', body: undefined }]);
    expect(result.stderr + result.stdout).toContain('Deactivated organization Acme QA (2)');
  });

  it("shows the API's refusal when the caller is not a platform administrator", async () => {
    const result = await qatron(['organizations', 'deactivate', '9']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Only a platform administrator can deactivate organizations');
  });
});
