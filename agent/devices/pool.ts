// Per-terminal workers keyed by ip:port, created on demand and forgotten when idle.
import type { DeviceTarget } from "../../shared/device";
import type { ZkSession } from "../zk/types";
import { silentLogger, type Logger } from "../log";
import { defaultSessionFactory, type SessionFactory } from "./session-factory";
import { TerminalWorker } from "./worker";

export interface DevicePoolOptions {
  sessionFactory?: SessionFactory;
  /** Waiters per terminal before DEVICE_BUSY (default 32). */
  maxWaiters?: number;
  logger?: Logger;
  now?: () => number;
}

export const DEFAULT_MAX_WAITERS = 32;

/** The lock key: the terminal's address, not its registry name (DESIGN §3: two names, one terminal, one lock). */
export function terminalKey(target: Pick<DeviceTarget, "ip" | "port">): string {
  const host = target.ip.trim().toLowerCase();
  return host.includes(":") ? `[${host}]:${target.port}` : `${host}:${target.port}`;
}

/** Routes each job to its terminal's worker. */
export class DevicePool {
  private readonly workers = new Map<string, TerminalWorker>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly opts: Required<DevicePoolOptions>;
  /** Sessions opened by workers that have since gone idle (plus live ones via `connects`). */
  private retiredConnects = 0;

  constructor(opts: DevicePoolOptions = {}) {
    this.opts = {
      sessionFactory: opts.sessionFactory ?? defaultSessionFactory,
      maxWaiters: opts.maxWaiters ?? DEFAULT_MAX_WAITERS,
      logger: opts.logger ?? silentLogger,
      now: opts.now ?? Date.now,
    };
  }

  /** Runs `fn` with a session to `target`'s terminal, after every earlier job on that terminal. */
  run<T>(target: DeviceTarget, deadline: number, fn: (session: ZkSession) => Promise<T>): Promise<T> {
    const key = terminalKey(target);
    let worker = this.workers.get(key);
    if (!worker) {
      const created: TerminalWorker = new TerminalWorker({
        key,
        sessionFactory: this.opts.sessionFactory,
        maxWaiters: this.opts.maxWaiters,
        logger: this.opts.logger,
        now: this.opts.now,
        onIdle: () => this.onIdle(key, created),
      });
      worker = created;
      this.workers.set(key, worker);
    }
    return worker.submit(target, deadline, fn);
  }

  /** Terminals with work queued, running, or a session still closing. */
  get activeTerminals(): number {
    return this.workers.size;
  }

  /** Sessions opened since the pool was created. */
  get connects(): number {
    let n = this.retiredConnects;
    for (const w of this.workers.values()) n += w.connects;
    return n;
  }

  /** Resolves once no terminal has work and every session is closed. */
  idle(): Promise<void> {
    if (this.workers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private onIdle(key: string, worker: TerminalWorker): void {
    // A job submitted while the worker was finishing keeps it alive; it reports idle again later.
    if (worker.queued > 0 || this.workers.get(key) !== worker) return;
    this.workers.delete(key);
    this.retiredConnects += worker.connects;
    if (this.workers.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
