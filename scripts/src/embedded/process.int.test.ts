import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './temporal.js';

/**
 * A supervisor killed with SIGKILL takes its children with it (issue 13 item 5), with real
 * processes: a small Node program supervises `sleep`s (one spawned at once, one later from a timer,
 * as a restart would be) and prints their pids; the test SIGKILLs the program.
 */
const PROCESS_TS = pathToFileURL(join(REPO_ROOT, 'scripts/src/embedded/process.ts')).href;
let logs: string;

afterAll(async () => {
  if (logs) await rm(logs, { recursive: true, force: true });
});

/** Alive and not a zombie waiting for a reaper that may never come (PID 1 in a container). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Runs `program` (ESM, with tsx), waits for its JSON line of pids, SIGKILLs it, returns the pids. */
async function killAfterPids(program: string): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const pids = await new Promise<number[]>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const line = output.split('\n').find((l) => l.startsWith('PIDS '));
      if (line) resolve(JSON.parse(line.slice(5)) as number[]);
    });
    child.once('exit', (code) => reject(new Error(`the supervisor program exited (${code}) before its children started: ${output}`)));
  });
  expect(pids.every(alive)).toBe(true);
  child.kill('SIGKILL');
  return pids;
}

async function gone(pids: number[], withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !pids.some(alive);
}

describe('children of a supervisor killed with SIGKILL', () => {
  it('die with it, including one spawned later from a timer (the parent-death signal follows the main thread)', async () => {
    logs = await mkdtemp(join(tmpdir(), 'qatron-process-'));
    const pids = await killAfterPids(`
      import { supervise, ORPHAN_GUARD } from '${PROCESS_TS}';
      const first = await supervise('first', 'sleep', ['300'], '${logs}/first.log');
      setTimeout(async () => {
        const later = await supervise('later', 'sleep', ['300'], '${logs}/later.log');
        console.log('GUARD ' + ORPHAN_GUARD);
        console.log('PIDS ' + JSON.stringify([first.child.pid, later.child.pid]));
      }, 300);
      setInterval(() => {}, 1000);
    `);
    expect(await gone(pids, 3_000)).toBe(true);
  });

  it('die with it through the reaper process, where setpriv is missing', async () => {
    const pids = await killAfterPids(`
      import { spawn } from 'node:child_process';
      import { startReaper } from '${PROCESS_TS}';
      const reaper = startReaper();
      const kept = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
      const ended = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
      reaper.watch(kept.pid);
      reaper.watch(ended.pid);
      // A group that ended is forgotten: its number could be someone else's by now.
      reaper.forget(ended.pid);
      setTimeout(() => console.log('PIDS ' + JSON.stringify([kept.pid, ended.pid])), 300);
      setInterval(() => {}, 1000);
    `);
    expect(await gone([pids[0]!], 3_000)).toBe(true);
    expect(alive(pids[1]!)).toBe(true);
    process.kill(-pids[1]!, 'SIGKILL');
  });
});
