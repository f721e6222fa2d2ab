/**
 * Real receivers for notification tests (issue 17 item 3): an HTTP server that records what it is
 * sent and answers the statuses it is told to (webhooks, a Slack-like incoming webhook), and a real
 * SMTP server, Python's aiosmtpd, in a venv kept under `.tools/cache` like the tests' other venvs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '@qatron/scripts/testing/ports';
import { withFileLock } from '../../execution/file-lock.js';
import { baseEnvironment, runCommand } from '../../execution/process.js';
import { REPO_ROOT } from '../../testing/fixture-environment.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as sent: the webhook signature is over these bytes. */
  rawBody: string;
}

export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Statuses to answer the next requests with, in order; 200 once they are used up. */
  answers: number[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records every request and answers from `answers` (then 200). */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const answers: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
      const status = answers.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A message as the SMTP server received it. */
export interface ReceivedEmail {
  mailFrom: string;
  rcptTos: string[];
  /** The message as sent: headers, blank line, body. */
  content: string;
}

export interface SmtpReceiver {
  host: string;
  port: number;
  emails: ReceivedEmail[];
  close(): Promise<void>;
}

export const AIOSMTPD_VERSION = '1.4.6';
const VENV = join(REPO_ROOT, '.tools', 'cache', `aiosmtpd-${AIOSMTPD_VERSION}`);

/** The aiosmtpd server: prints each message as one JSON line, and READY once it listens; stops when stdin closes. */
const SERVER_SCRIPT = `
import json, sys
from aiosmtpd.controller import Controller

class Recorder:
    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        print(json.dumps({"mailFrom": envelope.mail_from, "rcptTos": envelope.rcpt_tos, "content": content.decode("utf-8", "replace")}), flush=True)
        return "250 Message accepted for delivery"

controller = Controller(Recorder(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("READY", flush=True)
sys.stdin.read()
controller.stop()
`;

/** The venv with aiosmtpd, built once and kept (a marker file says it is complete). */
async function aiosmtpdPython(): Promise<string> {
  const python = join(VENV, 'bin', 'python');
  const ready = join(VENV, '.installed');
  if (existsSync(ready)) return python;
  await mkdir(join(REPO_ROOT, '.tools', 'cache'), { recursive: true });
  await withFileLock(`${VENV}.lock`, async () => {
    if (existsSync(ready)) return;
    await rm(VENV, { recursive: true, force: true });
    await runChecked('python3', ['-m', 'venv', VENV]);
    await runChecked(join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `aiosmtpd==${AIOSMTPD_VERSION}`]);
    await writeFile(join(VENV, 'server.py'), SERVER_SCRIPT);
    await writeFile(ready, `${AIOSMTPD_VERSION}\n`);
  }, { staleMs: 300_000 });
  return python;
}

async function runChecked(command: string, args: string[]): Promise<void> {
  const env = baseEnvironment(process.env, ['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_TRUSTED_HOST', 'PIP_CONFIG_FILE']);
  const result = await runCommand(command, args, { env, capture: true, tailLines: 40, signal: AbortSignal.timeout(300_000) });
  if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.exitCode}): ${result.tail.join('\n')}`);
}

/** A real SMTP server (aiosmtpd) on a free port of 127.0.0.1, recording every message it accepts. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const python = await aiosmtpdPython();
  const port = await freePort();
  const child: ChildProcess = spawn(python, [join(VENV, 'server.py'), String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const emails: ReceivedEmail[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line === 'READY') resolve();
      else if (line.startsWith('{')) emails.push(JSON.parse(line) as ReceivedEmail);
    });
    child.once('exit', (code) => reject(new Error(`aiosmtpd exited (${code}) before it listened: ${stderr.slice(-2000)}`)));
  });
  return {
    host: '127.0.0.1',
    port,
    emails,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.end();
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      await exited;
    },
  };
}
