import { killAllSupervised } from './process.js';
import { decideRestart, DEFAULT_RESTART_POLICY, NO_CRASHES, type CrashHistory, type RestartPolicy } from './restart-policy.js';

/**
 * `npm start`'s children kept alive (issue 13 item 5): a child that dies on its own is started
 * again after the backoff restart-policy.ts decides, and the restart is said in the output; a
 * child in a crash loop is given up on (the caller stops the stack). Shutdown stops the children
 * in reverse start order within one time budget, then SIGKILLs whatever is left.
 */

/** A started child, ready to serve. */
export interface Running {
  readonly exited: Promise<unknown>;
  /** How it ended (`code 1`, `signal SIGKILL`); undefined while it runs. */
  exitStatus(): string | undefined;
  /** Asks it to stop, and kills it after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

export interface ChildSpec {
  readonly name: string;
  /** Starts the child and resolves once it is ready; rejects (having stopped it) if it never is. */
  launch(): Promise<Running>;
  /** Its share of the shutdown budget, relative to the others' (a worker finishing up needs more than a database). */
  readonly stopWeight?: number;
}

class KeptChild {
  current: Running | undefined;
  private startedAt = 0;
  private history: CrashHistory = NO_CRASHES;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    readonly spec: ChildSpec,
    private readonly supervisor: Supervisor,
  ) {}

  async start(): Promise<void> {
    this.startedAt = this.supervisor.clock();
    this.keep(await this.spec.launch());
  }

  private keep(running: Running): void {
    this.current = running;
    void running.exited.then(() => {
      if (!this.stopping && this.current === running) this.died(running.exitStatus() ?? 'exited');
    });
  }

  private died(status: string): void {
    const decision = decideRestart(this.history, this.startedAt, this.supervisor.clock(), this.supervisor.policy);
    this.history = decision.history;
    const { name } = this.spec;
    if (decision.action === 'give-up') {
      this.supervisor.say(`${name} exited (${status}); not restarting it: ${decision.reason}`);
      this.supervisor.onGiveUp(name, decision.reason);
      return;
    }
    this.supervisor.say(`${name} exited (${status}); restarting in ${decision.delayMs / 1000} s (restart #${decision.restart})`);
    this.timer = setTimeout(() => void this.restart(decision.restart), decision.delayMs);
  }

  private async restart(restart: number): Promise<void> {
    this.timer = undefined;
    this.startedAt = this.supervisor.clock();
    try {
      const running = await this.spec.launch();
      if (this.stopping) return void (await running.stop(1_000));
      this.supervisor.say(`${this.spec.name} restarted (restart #${restart})`);
      this.keep(running);
    } catch (err) {
      if (this.stopping) return;
      this.supervisor.say(`${this.spec.name} did not come back: ${(err as Error).message.split('\n')[0]}`);
      this.died('failed to start');
    }
  }

  /** No more restarts: the stack is stopping (a child dying now is not restarted). */
  holdRestarts(): void {
    this.stopping = true;
    clearTimeout(this.timer);
  }

  async stop(graceMs: number): Promise<void> {
    this.holdRestarts();
    await this.current?.stop(graceMs);
  }
}

export class Supervisor {
  private readonly children: KeptChild[] = [];

  constructor(
    readonly say: (line: string) => void,
    /** Called when a child is given up on; the stack should stop. */
    readonly onGiveUp: (name: string, reason: string) => void,
    readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
    readonly clock: () => number = Date.now,
  ) {}

  /** Starts a child and keeps it alive from then on; rejects if its first start fails. */
  async start(spec: ChildSpec): Promise<void> {
    const child = new KeptChild(spec, this);
    await child.start();
    this.children.push(child);
  }

  /**
   * Stops every child, last started first, each with its share of `budgetMs` (what one leaves
   * unused goes to the next), then SIGKILLs any process group still alive (one being restarted).
   */
  async stopAll(budgetMs: number, stopped: (name: string) => void = () => undefined): Promise<void> {
    const deadline = this.clock() + budgetMs;
    const order = [...this.children].reverse();
    for (const child of order) child.holdRestarts();
    for (const [i, child] of order.entries()) {
      const weight = child.spec.stopWeight ?? 1;
      const remainingWeight = order.slice(i).reduce((sum, c) => sum + (c.spec.stopWeight ?? 1), 0);
      const graceMs = Math.max(0, ((deadline - this.clock()) * weight) / remainingWeight);
      await child.stop(graceMs).catch((err: unknown) => this.say(`  ${child.spec.name}: ${(err as Error).message}`));
      stopped(child.spec.name);
    }
    killAllSupervised();
  }
}
