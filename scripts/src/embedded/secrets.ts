import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Installation secrets generated at first start (issue 13 item 4): one file each, mode 0600 in a
 * 0700 directory owned by the user running QAtron, so that only that user (and root) can read
 * them; the worker's sandbox keeps QATRON_HOME out of test code's sight besides.
 */

/** 32 random bytes, URL- and connection-string-safe. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Makes `dir` (and its parents) exist, and `dir` itself private. */
async function privateDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (((await stat(dir)).mode & 0o077) !== 0) await chmod(dir, 0o700);
}

/** The secret in `file`, or undefined when there is none yet; tightens a file left too open. */
export async function readSecret(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  const value = text?.trim();
  if (!value) return undefined;
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  await privateDirectory(dirname(file));
  return value;
}

/**
 * Writes `value` to `file` (0600, in a 0700 directory) all at once: a temporary file created
 * exclusively and renamed over, so that no reader ever sees half a secret or a looser mode.
 */
export async function writeSecret(file: string, value: string): Promise<void> {
  await privateDirectory(dirname(file));
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temporary, `${value}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
}
