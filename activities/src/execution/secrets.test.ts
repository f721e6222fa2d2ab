import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SecretNotFoundError } from './errors.js';
import { redact, resolveSecret } from './secrets.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qatron-secrets-'));
  await writeFile(join(dir, 'REPO_TOKEN'), 'from-file-token\n');
  await writeFile(join(dir, 'DEPLOY_KEY'), '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAkeymaterial\n-----END OPENSSH PRIVATE KEY-----\n\n');
  await writeFile(join(dir, 'CRLF_TOKEN'), 'windows-token\r\n');
});

describe('resolveSecret', () => {
  it('prefers the environment variable', () => {
    expect(resolveSecret('REPO_TOKEN', { env: { REPO_TOKEN: 'from-env' }, dir })).toBe('from-env');
  });

  it('falls back to the secret file and trims exactly one trailing newline', () => {
    expect(resolveSecret('REPO_TOKEN', { env: {}, dir })).toBe('from-file-token');
    expect(resolveSecret('REPO_TOKEN', { env: { REPO_TOKEN: '' }, dir })).toBe('from-file-token');
    expect(resolveSecret('DEPLOY_KEY', { env: {}, dir })).toBe('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAkeymaterial\n-----END OPENSSH PRIVATE KEY-----\n');
    expect(resolveSecret('CRLF_TOKEN', { env: {}, dir })).toBe('windows-token');
  });

  it('names the secret and where it looked when it is missing, never a value', () => {
    const attempt = () => resolveSecret('MISSING_TOKEN', { env: { OTHER: 'other-value' }, dir });
    expect(attempt).toThrow(SecretNotFoundError);
    expect(attempt).toThrow(`secret "MISSING_TOKEN" not found (looked in environment variable MISSING_TOKEN, file ${join(dir, 'MISSING_TOKEN')})`);
  });

  it('looks only in the environment without a secret directory', () => {
    expect(() => resolveSecret('REPO_TOKEN', { env: {} })).toThrow('secret "REPO_TOKEN" not found (looked in environment variable REPO_TOKEN)');
  });

  it('refuses names that could leave the secret directory', () => {
    expect(() => resolveSecret('../REPO_TOKEN', { env: {}, dir })).toThrow(SecretNotFoundError);
    expect(() => resolveSecret('', { env: {}, dir })).toThrow(SecretNotFoundError);
  });
});

describe('redact', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redact('token=abcd1234; again abcd1234, key s3cr3t', ['abcd1234', 's3cr3t'])).toBe('token=***; again ***, key ***');
  });

  it('leaves secrets shorter than four characters alone', () => {
    expect(redact('a b abc', ['a', 'abc'])).toBe('a b abc');
  });

  it('removes a secret that contains another one whole', () => {
    expect(redact('x-token-long-value x', ['token', 'x-token-long-value'])).toBe('*** x');
  });

  it('redacts multi-line keys as a whole and line by line', () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQyNTUxOQAAACBsecretline2\n-----END OPENSSH PRIVATE KEY-----';
    expect(redact(`whole: ${key}`, [key])).toBe('whole: ***');
    expect(redact('Load key: b3BlbnNzaC1rZXktdjEAAAAA invalid', [key])).toBe('Load key: *** invalid');
  });

  it('returns the text unchanged without secrets', () => {
    expect(redact('nothing to hide', [])).toBe('nothing to hide');
  });
});
