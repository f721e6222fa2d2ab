/**
 * The worker's end of the `qatron.pull` plugin's channel (framework/src/qatron/pull.py): a Unix
 * socket each pytest process of a shard connects to, to report what it collected and to ask for
 * its next files. The answers come from a WorkSource: in a run, the run workflow's work queue
 * (DESIGN "Work is pulled, not pre-split").
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CollectedFile } from '@qatron/domain/runs/work-queue';
import { grantToSandbox, type SandboxMode } from './sandbox.js';

/** Where a shard's work comes from. */
export interface WorkSource {
  /** What a pytest process of the shard collected (the first report of a run seeds its queue). */
  collected(files: CollectedFile[]): Promise<void>;
  /** The next files to run; [] when no work is left. */
  next(): Promise<string[]>;
}

export interface WorkChannel {
  /** The socket path, for `QATRON_PULL_SOCKET`. */
  path: string;
  /** Tests in the files handed out so far (what the shard is expected to report). */
  handedTests(): number;
  /** The first error of the work source, if any: the shard's work is then unknown. */
  error(): Error | null;
  close(): Promise<void>;
}

interface Request {
  type?: unknown;
  files?: unknown;
}

/**
 * Opens the channel; every connection is served in request order. With a sandbox, the socket and
 * its directory belong to the sandbox's user, which connects from inside it (the directory is
 * mounted in; the socket is reachable by no one else but root).
 */
export async function openWorkChannel(source: WorkSource, options: { sandbox?: SandboxMode } = {}): Promise<WorkChannel> {
  // A short directory of its own: socket paths are limited to about 100 bytes.
  const dir = await mkdtemp(join(tmpdir(), 'qp-'));
  const path = join(dir, 's');
  const testsPerFile = new Map<string, number>();
  const sockets = new Set<Socket>();
  let handed = 0;
  let failure: Error | null = null;

  const answer = async (request: Request): Promise<unknown> => {
    if (request.type === 'collected' && Array.isArray(request.files)) {
      const files = request.files.filter((f): f is CollectedFile => typeof f?.file === 'string' && Number.isInteger(f?.tests));
      for (const f of files) testsPerFile.set(f.file, f.tests);
      await source.collected(files);
      return { ok: true };
    }
    if (request.type === 'next') {
      const files = await source.next();
      handed += files.reduce((n, file) => n + Math.max(1, testsPerFile.get(file) ?? 1), 0);
      return { files };
    }
    return { error: `unknown request ${JSON.stringify(request.type)}` };
  };

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let chain: Promise<void> = Promise.resolve();
    createInterface({ input: socket }).on('line', (line) => {
      chain = chain.then(async () => {
        let reply: unknown;
        try {
          reply = await answer(JSON.parse(line) as Request);
        } catch (err) {
          failure ??= err instanceof Error ? err : new Error(String(err));
          reply = { error: failure.message };
        }
        if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  if (options.sandbox) await grantToSandbox(options.sandbox, [dir, path]);
  return {
    path,
    handedTests: () => handed,
    error: () => failure,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
