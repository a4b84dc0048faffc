// Per-terminal workers keyed by ip:port, created on demand and forgotten when idle; global bounds on what runs at once.
import { jobBudgetMs } from "../../shared/budget";
import { CodedError } from "../../shared/errors";
import type { DeviceTarget } from "../../shared/device";
import { silentLogger, type Logger } from "../log";
import { ENABLE_RETRY_AT_MS, PendingEnables } from "./pending-enables";
import { defaultSessionFactory, type SessionFactory } from "./session-factory";
import { TerminalAddresses, type HostLookup } from "./addresses";
import type { JobFn, JobOptions, LiveHooks } from "./job";
import { TerminalWorker, type WorkerOptions } from "./worker";

export type { JobContext, JobFn, JobOptions, LiveHooks } from "./job";

export interface DevicePoolOptions {
  sessionFactory?: SessionFactory;
  /** Waiters per terminal before DEVICE_BUSY (default 32). */
  maxWaiters?: number;
  /** Terminals with work at the same time (each holds a socket) before DEVICE_BUSY (default 64). */
  maxTerminals?: number;
  /** Jobs queued or running over all terminals before DEVICE_BUSY (default 256). */
  maxInFlight?: number;
  /** When background re-enables of a terminal left disabled run, in ms after the failure (default 2, 5, 15, 30 s). */
  enableRetryAtMs?: readonly number[];
  logger?: Logger;
  now?: () => number;
  /** Persists terminals that may be left disabled (agent/state/disabled-terminals.ts); absent: memory only. */
  disabledStore?: WorkerOptions["disabledStore"];
  /** Host name resolution for the lock key (tests inject one). */
  lookup?: HostLookup;
}

export const DEFAULT_MAX_WAITERS = 32;
export const DEFAULT_MAX_TERMINALS = 64;
export const DEFAULT_MAX_IN_FLIGHT = 256;

/** The lock key: the terminal's address, not its registry name (docs/architecture.md §4: two names, one terminal, one lock). */
export function terminalKey(target: Pick<DeviceTarget, "ip" | "port">): string {
  const host = target.ip.trim().toLowerCase();
  return host.includes(":") ? `[${host}]:${target.port}` : `${host}:${target.port}`;
}

/** Routes each job to its terminal's worker. */
export class DevicePool {
  private readonly workers = new Map<string, TerminalWorker>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly opts: Required<Omit<DevicePoolOptions, "disabledStore" | "lookup">> & Pick<DevicePoolOptions, "disabledStore">;
  private readonly addresses: TerminalAddresses;
  private readonly pendingEnables: PendingEnables;
  private inFlightCount = 0;
  /** Sessions opened by workers that have since gone idle (plus live ones via `connects`). */
  private retiredConnects = 0;

  constructor(opts: DevicePoolOptions = {}) {
    this.opts = {
      sessionFactory: opts.sessionFactory ?? defaultSessionFactory,
      maxWaiters: opts.maxWaiters ?? DEFAULT_MAX_WAITERS,
      maxTerminals: opts.maxTerminals ?? DEFAULT_MAX_TERMINALS,
      maxInFlight: opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
      enableRetryAtMs: opts.enableRetryAtMs ?? ENABLE_RETRY_AT_MS,
      logger: opts.logger ?? silentLogger,
      now: opts.now ?? Date.now,
      disabledStore: opts.disabledStore,
    };
    this.addresses = new TerminalAddresses(opts.lookup);
    this.pendingEnables = new PendingEnables({
      retryAtMs: this.opts.enableRetryAtMs,
      retry: (target) => this.retryEnable(target),
      logger: this.opts.logger,
      now: this.opts.now,
    });
  }

  /**
   * Runs `fn` with a session to `target`'s terminal, after every earlier job on that terminal. The lock is keyed
   * by the resolved address: `localhost` and `127.0.0.1` are one terminal (an IP literal needs no lookup).
   */
  run<T>(target: DeviceTarget, deadline: number, fn: JobFn<T>, options: JobOptions = {}): Promise<T> {
    const known = this.addresses.known(target);
    if (known !== undefined) return this.runKeyed(known, target, deadline, fn, options);
    this.inFlightCount++; // counted while resolving, so the bound holds
    return this.addresses.resolve(target).then(
      (key) => {
        this.inFlightCount--;
        return this.runKeyed(key, target, deadline, fn, options);
      },
      (err: unknown) => {
        this.inFlightCount--;
        throw err;
      },
    );
  }

  /** Terminals a previous run may have left disabled (persisted): each gets an ENABLE with the target that disabled it. */
  restoreDisabled(entries: ReadonlyArray<[string, DeviceTarget]>): void {
    for (const [key, target] of entries) {
      this.opts.logger.warn("terminal may have been left disabled by the previous run; enabling it", { addr: key });
      this.pendingEnables.add(key, target, true);
    }
  }

  /**
   * Keeps one session open to `target`'s terminal (docs/events.md §4): its worker no longer closes the session when
   * its queue empties, and `hooks` hear of every new session and ENABLE. Jobs keep going through the same queue.
   * Resolves to the lock key.
   */
  async watch(target: DeviceTarget, hooks: LiveHooks): Promise<string> {
    const key = await this.addresses.resolve(target);
    const worker = this.workerFor(key);
    if (worker instanceof CodedError) throw worker;
    worker.setLive(hooks);
    return key;
  }

  /** Stops watching the terminal at `key`; its session closes (after any queued work) and the worker may go. */
  async unwatch(key: string, target: DeviceTarget): Promise<void> {
    const worker = this.workers.get(key);
    if (!worker?.isLive) return;
    worker.setLive(undefined);
    await worker.closeIfIdle(target);
  }

  private workerFor(key: string): TerminalWorker | CodedError {
    let worker = this.workers.get(key);
    if (!worker) {
      if (this.workers.size >= this.opts.maxTerminals) {
        return new CodedError("DEVICE_BUSY", `Agent is busy: ${this.workers.size} terminals are already being worked on`, { terminals: this.workers.size });
      }
      const created: TerminalWorker = new TerminalWorker({
        key,
        sessionFactory: this.opts.sessionFactory,
        maxWaiters: this.opts.maxWaiters,
        logger: this.opts.logger,
        now: this.opts.now,
        pendingEnables: this.pendingEnables,
        onIdle: () => this.onIdle(key, created),
        disabledStore: this.opts.disabledStore,
      });
      worker = created;
      this.workers.set(key, worker);
    }
    return worker;
  }

  private runKeyed<T>(key: string, target: DeviceTarget, deadline: number, fn: JobFn<T>, options: JobOptions): Promise<T> {
    // A gateway (or a bug) must not make the agent open sockets or queue work without bound.
    if (this.inFlightCount >= this.opts.maxInFlight) {
      return Promise.reject(new CodedError("DEVICE_BUSY", `Agent is busy: ${this.inFlightCount} requests are already in flight`, { in_flight: this.inFlightCount }));
    }
    const worker = this.workerFor(key);
    if (worker instanceof CodedError) return Promise.reject(worker);
    this.inFlightCount++;
    return worker.submit(target, deadline, fn, options).finally(() => this.inFlightCount--);
  }

  /** Terminals with work queued, running, or a session still closing. */
  get activeTerminals(): number {
    return this.workers.size;
  }

  /** Jobs queued or running over all terminals. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Terminals believed left disabled, waiting for an ENABLE (background retry or their next job). */
  get pendingEnableCount(): number {
    return this.pendingEnables.size;
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

  /** Cancels the background re-enables (agent shutdown). */
  stop(): void {
    this.pendingEnables.stop();
  }

  /** One background attempt: an empty job, which the worker precedes with the ENABLE the terminal is owed. */
  private async retryEnable(target: DeviceTarget): Promise<void> {
    const budget = jobBudgetMs(target.timeout, false);
    await this.run(target, this.opts.now() + budget, async () => undefined).catch(() => undefined);
  }

  private onIdle(key: string, worker: TerminalWorker): void {
    // A job submitted while the worker was finishing keeps it alive; it reports idle again later.
    if (worker.queued > 0 || worker.active || worker.isLive || this.workers.get(key) !== worker) return;
    this.workers.delete(key);
    this.retiredConnects += worker.connects;
    if (this.workers.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
