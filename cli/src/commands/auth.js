import { ApiClient } from '../client.js';
import { deleteCredentials, normalizeUrl, writeCredentials } from '../config.js';
import { EXIT, UsageError } from '../errors.js';
import { ask } from '../prompt.js';
import { noArgs } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */

/** @type {Command} */
export const login = {
  name: 'login',
  summary: 'Log in to a QAtron API and store the credentials (FR-CLI-01)',
  usage: 'qatron login --url URL [--username USER --password PASSWORD | --token TOKEN]',
  examples: [
    'qatron login --url http://localhost:8000',
    'QATRON_USERNAME=ci QATRON_PASSWORD=secret qatron login --url https://qatron.example.com',
    'qatron login --url https://qatron.example.com --token "$QATRON_SERVICE_TOKEN"',
  ],
  options: {
    username: { type: 'string', short: 'u', description: 'Username or email (default: QATRON_USERNAME, else a prompt)' },
    password: { type: 'string', short: 'p', description: 'Password (default: QATRON_PASSWORD, else a hidden prompt)' },
  },
  async run({ args, options, config, env, io, output }) {
    noArgs(args, 'login');
    if (!config.url) throw new UsageError('missing --url: usage `qatron login --url URL`');
    const url = normalizeUrl(config.url);
    const client = new ApiClient({ url });
    const token = options.token ?? env.QATRON_SERVICE_TOKEN;
    /** @type {{ token: string, token_type: 'session' | 'service' }} */
    let credentials;
    if (token) {
      const me = await client.request('GET', '/api/v1/auth/me', { token });
      credentials = { token, token_type: me.kind === 'service_token' ? 'service' : 'session' };
    } else {
      let username = options.username ?? env.QATRON_USERNAME;
      let password = options.password ?? env.QATRON_PASSWORD;
      if ((!username || !password) && !io.isTTY) {
        throw new UsageError('no credentials: pass --username and --password (or QATRON_USERNAME and QATRON_PASSWORD), or --token');
      }
      username ||= (await ask(io, 'Username: ')).trim();
      password ||= await ask(io, 'Password: ', { hidden: true });
      if (!username || !password) throw new UsageError('username and password are required');
      const session = await client.request('POST', '/api/v1/auth/login', { form: { username, password }, token: null });
      credentials = { token: session.access_token, token_type: 'session' };
      if (session.password_change_required) {
        // Every other call answers 403 until the password is changed: keep the session for `qatron passwd`.
        const file = await writeCredentials(config.configDir, { url, ...credentials });
        const result = { url, name: username, token_type: 'session', credentials_file: file, password_change_required: true };
        if (output.structured) output.print(result);
        else output.note(`Logged in to ${url} as ${username}; an admin reset your password: run \`qatron passwd\` to choose a new one before anything else`);
        return EXIT.OK;
      }
    }
    const me = await client.request('GET', '/api/v1/auth/me', { token: credentials.token });
    const file = await writeCredentials(config.configDir, { url, ...credentials });
    const result = { url, name: me.name, kind: me.kind, role: me.role, token_type: credentials.token_type, credentials_file: file };
    if (output.structured) output.print(result);
    else output.note(`Logged in to ${url} as ${me.name} (${me.role}); credentials saved in ${file}`);
    return EXIT.OK;
  },
};

/** @type {Command} */
export const logout = {
  name: 'logout',
  summary: 'End the session and delete the stored credentials',
  usage: 'qatron logout',
  examples: ['qatron logout'],
  async run({ args, config, output }) {
    noArgs(args, 'logout');
    const stored = config.credentials;
    let sessionEnded = false;
    if (stored && stored.token_type === 'session') {
      try {
        await new ApiClient({ url: stored.url }).request('POST', '/api/v1/auth/logout', { token: stored.token });
        sessionEnded = true;
      } catch {
        // An expired or unreachable session is as good as ended: the local credentials go anyway.
      }
    }
    const removed = await deleteCredentials(config.configDir);
    const result = { logged_out: removed, url: stored?.url ?? null, session_ended: sessionEnded };
    if (output.structured) output.print(result);
    else output.note(removed ? `Logged out of ${stored?.url ?? 'QAtron'}` : 'Not logged in');
    return EXIT.OK;
  },
};

/** @type {Command} */
export const whoami = {
  name: 'whoami',
  summary: 'Show who the stored (or given) credentials are',
  usage: 'qatron whoami',
  examples: ['qatron whoami', 'qatron whoami --output json'],
  needsAuth: true,
  async run({ args, client, config, output }) {
    noArgs(args, 'whoami');
    const me = await client.request('GET', '/api/v1/auth/me');
    output.print(
      { url: config.url, ...me },
      { columns: ['url', 'name', 'kind', 'role', 'organization_id', { header: 'PROJECT ID', value: (m) => m.project_id }] },
    );
    return EXIT.OK;
  },
};
