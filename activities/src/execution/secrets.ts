/**
 * Secrets (PRD 6.10, FR-SEC-01..04): projects and environments reference a secret by name; the
 * worker resolves the name at run time from its own environment (`.env` locally) or from a mounted
 * directory of secret files (a Kubernetes Secret volume). Values are never stored and never logged:
 * `redact` scrubs them from any text that could echo them (command output, error messages).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretNotFoundError } from './errors.js';

export { SecretNotFoundError } from './errors.js';

/** Where a worker finds secret values. */
export interface SecretSource {
  /** Usually `process.env` as parsed by the worker's config. */
  env: Record<string, string | undefined>;
  /** A directory of secret files, one per secret, named like the secret (a mounted K8s Secret). */
  dir?: string;
}

/** Kubernetes secret keys and environment variable names both fit this; nothing can escape `dir`. */
const SECRET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The shortest secret `redact` replaces: shorter strings would mangle ordinary output. */
export const MIN_REDACTED_LENGTH = 4;

export const REDACTED = '***';

/**
 * The value of the secret `name`: the environment variable of that name if set and non-empty,
 * else the content of `dir/name` with one trailing newline removed (files written by editors and
 * `kubectl create secret --from-file` usually end with one).
 * @throws SecretNotFoundError naming the secret and the places looked in, never a value.
 */
export function resolveSecret(name: string, source: SecretSource): string {
  const lookedIn = [`environment variable ${name}`];
  if (!SECRET_NAME.test(name)) throw new SecretNotFoundError(name, ['nowhere: the name is not a valid secret name']);
  const fromEnv = source.env[name];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (source.dir) {
    const file = join(source.dir, name);
    lookedIn.push(`file ${file}`);
    try {
      const value = readFileSync(file, 'utf8');
      return value.endsWith('\r\n') ? value.slice(0, -2) : value.endsWith('\n') ? value.slice(0, -1) : value;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
    }
  }
  throw new SecretNotFoundError(name, lookedIn);
}

/**
 * `text` with every occurrence of each secret replaced by `***`. Secrets shorter than 4 characters
 * are left alone (replacing "a" everywhere would destroy the text and reveal the secret's length
 * pattern anyway). Longer secrets are replaced first so that a secret containing another is
 * removed whole. Multi-line secrets (SSH keys) are also redacted line by line, because tools
 * quote them one line at a time.
 */
export function redact(text: string, secrets: readonly string[]): string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (secret.length >= MIN_REDACTED_LENGTH) needles.add(secret);
    if (secret.includes('\n')) {
      for (const line of secret.split(/\r?\n/)) {
        if (line.trim().length >= 8 && !/^-----(BEGIN|END) /.test(line)) needles.add(line.trim());
      }
    }
  }
  let result = text;
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) {
    result = result.split(needle).join(REDACTED);
  }
  return result;
}
