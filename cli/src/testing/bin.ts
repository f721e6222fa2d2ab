import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `qatron` executable of this checkout, as a user or CI runner starts it. */
export const QATRON_BIN = fileURLToPath(new URL('../../bin/qatron.js', import.meta.url));

export interface BinResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real bin as a subprocess in `home` (its HOME and working directory) with a config
 * directory there, and nothing of the test process' environment but PATH and `env`.
 */
export function runQatron(args: string[], options: { home: string; env?: Record<string, string>; configDir?: string }): Promise<BinResult> {
  const { home, env = {}, configDir = join(home, 'config') } = options;
  return new Promise((resolve) => {
    execFile(process.execPath, [QATRON_BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: home, QATRON_CONFIG_DIR: configDir, ...env }, cwd: home }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The bin signed in through the environment (`QATRON_API_URL`, `QATRON_TOKEN`), as CI runs it. */
export function runQatronAs(args: string[], options: { home: string; apiUrl: string; token: string }): Promise<BinResult> {
  return runQatron(args, { home: options.home, env: { QATRON_API_URL: options.apiUrl, QATRON_TOKEN: options.token } });
}
