import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Problem } from '../../http/problems.js';

/**
 * Where the API finds a client secret by name: its environment, then a directory of secret files
 * (a mounted Kubernetes Secret, SECRETS_DIR), the same order workers resolve secrets in
 * (activities/src/execution/secrets.ts). The API does not depend on the activities package, so the
 * few lines are repeated here rather than pulling the workers' code into the API.
 */
export interface SecretSource {
  env: Record<string, string | undefined>;
  dir: string | undefined;
}

const SECRET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * The client secret named `name`; 503 sso_misconfigured naming where it was looked for (never a
 * value) when it is set nowhere, since no sign-in can succeed until an operator sets it.
 */
export function resolveClientSecret(name: string, source: SecretSource): string {
  const fromEnv = SECRET_NAME.test(name) ? source.env[name] : undefined;
  if (fromEnv) return fromEnv;
  if (source.dir && SECRET_NAME.test(name)) {
    try {
      return readFileSync(join(source.dir, name), 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'EISDIR') throw error;
    }
  }
  const where = source.dir ? `the API's environment or ${join(source.dir, name)}` : "the API's environment (SECRETS_DIR is not set)";
  throw new Problem(503, 'sso_misconfigured', 'Service unavailable', `The SSO client secret ${name} is not set in ${where}`);
}
