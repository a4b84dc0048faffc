// One terminal's work queue: FIFO, bounded, deadline-aware, one shared session per burst, terminal left enabled.
import { RelayError } from "../../shared/errors";
import type { DeviceTarget } from "../../shared/device";
import type { ZkSession } from "../zk/types";
import type { Logger } from "../log";
import type { SessionFactory } from "./session-factory";
import { trackSession } from "./tracked-session";

export interface WorkerOptions {
  /** "ip:port" of the terminal (see terminalKey). */
  key: string;
  sessionFactory: SessionFactory;
  /** Requests allowed to wait behind the running one; one more fails with DEVICE_BUSY (DESIGN §3). */
  maxWaiters: number;
  logger: Logger;
  now: () => number;
  /** Called when the queue is empty and the session closed, so the owner can forget this worker. */
  onIdle: () => void;
}

interface Job {
  target: DeviceTarget;
  deadline: number;
  run: (session: ZkSession) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  timer?: ReturnType<typeof setTimeout>;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
/** Pauses before redialling a terminal whose previous session just broke. */
const RETRY_AFTER_FAILURE_MS = [100, 400] as const;

/** Serialises every operation on one terminal; different terminals have different workers and run in parallel. */
export class TerminalWorker {
  private readonly waiting: Job[] = [];
  private busy = false;
  private current: { session: ZkSession; signature: string } | undefined;
  /** The last session broke; the terminal may not have noticed yet. */
  private justFailed = false;
  /** Sessions opened so far (tests and logs: a burst should cost one). */
  connects = 0;

  constructor(private readonly opts: WorkerOptions) {}

  get queued(): number {
    return this.waiting.length;
  }

  /** True while a job runs or the session is being opened/closed. */
  get active(): boolean {
    return this.busy;
  }

  /** Queues `run`; it gets the terminal's session once every earlier request is done, or fails with DEVICE_BUSY. */
  submit<T>(target: DeviceTarget, deadline: number, run: (session: ZkSession) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const now = this.opts.now();
      if (deadline <= now) return reject(this.busyError("the request's deadline had already passed"));
      if (this.waiting.length >= this.opts.maxWaiters) {
        return reject(this.busyError(`${this.waiting.length} requests are already waiting`, { queued: this.waiting.length }));
      }
      const job: Job = { target, deadline, run, resolve: resolve as (v: unknown) => void, reject };
      // DESIGN §3: past its deadline a waiting request fails now and is never run later.
      job.timer = setTimeout(() => {
        const i = this.waiting.indexOf(job);
        if (i < 0) return;
        this.waiting.splice(i, 1);
        reject(this.busyError("the request's deadline passed while it waited for the terminal"));
      }, Math.min(Math.max(deadline - now, 0), MAX_TIMER_MS));
      this.waiting.push(job);
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.waiting.length > 0) {
        const job = this.waiting.shift()!;
        clearTimeout(job.timer);
        await this.execute(job);
        // Close as soon as nobody waits, so other software (the vendor's own tools) can reach the terminal;
        // jobs queued meanwhile keep the loop going and reconnect.
        if (this.waiting.length === 0) await this.discard();
      }
    } finally {
      this.busy = false;
      this.opts.onIdle();
    }
  }

  private async execute(job: Job): Promise<void> {
    if (job.deadline <= this.opts.now()) return job.reject(this.busyError("the request's deadline passed while it waited"));
    let session: ZkSession;
    try {
      session = await this.acquire(job.target);
    } catch (err) {
      return job.reject(err);
    }
    if (job.deadline <= this.opts.now()) return job.reject(this.busyError("the request's deadline passed while connecting"));
    const tracked = trackSession(session);
    let outcome: { ok: true; value: unknown } | { ok: false; err: unknown };
    try {
      outcome = { ok: true, value: await job.run(tracked.session) };
    } catch (err) {
      outcome = { ok: false, err };
    }
    if (tracked.failed) {
      this.justFailed = true;
      await this.discard();
    }
    if (tracked.leftDisabled) await this.reenable(job.target);
    // Settle last, so whoever reads the answer finds the terminal in its final (enabled) state.
    if (outcome.ok) job.resolve(outcome.value);
    else job.reject(outcome.err);
  }

  private async acquire(target: DeviceTarget): Promise<ZkSession> {
    const signature = sessionSignature(target);
    if (this.current?.signature === signature) return this.current.session;
    // Two registry names for one terminal may differ in transport or comm key: use the one this job asks for.
    if (this.current) await this.discard();
    // Right after a broken session the terminal may still hold it for a moment (one session at a time, §4.3).
    const session = await this.connect(target, this.justFailed ? RETRY_AFTER_FAILURE_MS.slice(0, 1) : []);
    this.justFailed = false;
    this.current = { session, signature };
    return session;
  }

  /**
   * Opens a session, retrying after each delay in `retryDelays` when the connect fails. A wrong comm key will not
   * get better; "unreachable" is retried only when `evenUnreachable` (the re-enable, which matters more than time).
   */
  private async connect(target: DeviceTarget, retryDelays: readonly number[], evenUnreachable = false): Promise<ZkSession> {
    for (let attempt = 0; ; attempt++) {
      try {
        const session = await this.opts.sessionFactory(target);
        this.connects++;
        return session;
      } catch (err) {
        const delay = retryDelays[attempt];
        const code = (err as { code?: unknown } | null)?.code;
        if (delay === undefined || code === "DEVICE_AUTH_FAILED" || (code === "DEVICE_UNREACHABLE" && !evenUnreachable)) throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** DESIGN §3: every session ends with the terminal enabled, even when the job's own `finally` could not do it. */
  private async reenable(target: DeviceTarget): Promise<void> {
    const key = this.opts.key;
    if (this.current) {
      try {
        await this.current.session.enable();
        return;
      } catch {
        await this.discard();
      }
    }
    try {
      const session = await this.connect(target, RETRY_AFTER_FAILURE_MS, true);
      this.justFailed = false;
      this.current = { session, signature: sessionSignature(target) };
      await session.enable();
      this.opts.logger.warn("terminal re-enabled on a fresh session after a failed operation", { addr: key });
    } catch (err) {
      this.opts.logger.error("could not re-enable terminal after a failed operation", { addr: key, error: err });
      await this.discard();
    }
  }

  private async discard(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    try {
      await current.session.close();
    } catch (err) {
      this.opts.logger.debug("closing a terminal session failed", { addr: this.opts.key, error: err });
    }
  }

  private busyError(why: string, details: Record<string, unknown> = {}): RelayError {
    return new RelayError("DEVICE_BUSY", `Terminal ${this.opts.key} is busy: ${why}`, { addr: this.opts.key, ...details });
  }
}

function sessionSignature(t: DeviceTarget): string {
  return `${t.transport}|${t.password}|${t.timeout}`;
}
