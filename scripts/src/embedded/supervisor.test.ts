import { describe, expect, it } from 'vitest';
import { Supervisor, type Running } from './supervisor.js';

/** A child that ends when told to (crash) or stopped, recording the grace it was given. */
class FakeChild implements Running {
  private end!: (status: string) => void;
  private status: string | undefined;
  readonly exited = new Promise<string>((resolve) => (this.end = resolve)).then((status) => (this.status = status));
  graceMs: number | undefined;
  exitStatus = () => this.status;
  crash(status = 'code 1'): void {
    this.end(status);
  }
  async stop(graceMs: number): Promise<void> {
    this.graceMs = graceMs;
    this.end('signal SIGTERM');
    await this.exited;
  }
}

const fastPolicy = { baseMs: 5, maxMs: 40, stableMs: 60_000, maxCrashes: 3, windowMs: 60_000 };
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

function supervisor() {
  const said: string[] = [];
  const gaveUp: string[] = [];
  const sup = new Supervisor((line) => said.push(line), (name, reason) => gaveUp.push(`${name}: ${reason}`), fastPolicy);
  const launches: Record<string, FakeChild[]> = {};
  const spec = (name: string, stopWeight?: number) => ({
    name,
    stopWeight,
    launch: async () => {
      const child = new FakeChild();
      (launches[name] ??= []).push(child);
      return child;
    },
  });
  return { sup, said, gaveUp, launches, spec };
}

describe('Supervisor', () => {
  it('restarts a child that dies, saying so, and leaves the others alone', async () => {
    const { sup, said, launches, spec } = supervisor();
    await sup.start(spec('postgres'));
    await sup.start(spec('api'));
    launches.postgres![0]!.crash('signal SIGKILL');
    await tick(30);
    expect(said).toEqual(['postgres exited (signal SIGKILL); restarting in 0.005 s (restart #1)', 'postgres restarted (restart #1)']);
    expect(launches.postgres).toHaveLength(2);
    expect(launches.api).toHaveLength(1);
  });

  it('retries a restart that fails, and gives up on a crash loop', async () => {
    const { sup, said, gaveUp, launches, spec } = supervisor();
    let attempts = 0;
    const base = spec('temporal');
    await sup.start({ ...base, launch: async () => (++attempts === 1 ? base.launch() : Promise.reject(new Error('port 7233 is already in use\nmore'))) });
    launches.temporal![0]!.crash();
    await tick(200);
    expect(said.filter((l) => l.includes('did not come back: port 7233 is already in use'))).toHaveLength(3);
    expect(gaveUp).toEqual(['temporal: it died 4 times within 1 min']);
    expect(said.at(-1)).toBe('temporal exited (failed to start); not restarting it: it died 4 times within 1 min');
  });

  it('stops the children last started first, sharing the budget by weight, and restarts none meanwhile', async () => {
    const { sup, launches, spec } = supervisor();
    for (const [name, weight] of [['postgres', 1], ['temporal', 1], ['api', 1], ['worker', 3]] as const) await sup.start(spec(name, weight));
    const stopped: string[] = [];
    const stopping = sup.stopAll(6_000, (name) => stopped.push(name));
    launches.postgres![0]!.crash();
    await stopping;
    expect(stopped).toEqual(['worker', 'api', 'temporal', 'postgres']);
    expect(launches.worker![0]!.graceMs).toBeCloseTo(3_000, -2);
    // The worker took no time: what it left is shared by the three that remain.
    expect(launches.api![0]!.graceMs).toBeCloseTo(2_000, -2);
    expect(launches.postgres).toHaveLength(1);
  });
});
