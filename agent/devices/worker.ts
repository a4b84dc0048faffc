// One terminal's work queue: FIFO, bounded, deadline- and abort-aware, one shared session per burst, terminal left enabled.
import { capExtendedDeadline } from "../../shared/budget";
import { CodedError } from "../../shared/errors";
import type { DeviceTarget } from "../../shared/device";
import type { ZkSession } from "../zk/types";
import type { Logger } from "../log";
import { dial, RETRY_AFTER_FAILURE_MS, sessionSignature } from "./dial";
import type { PendingEnables } from "./pending-enables";
import type { SessionFactory } from "./session-factory";
import type { Job, JobContext, JobFn, JobOptions, LiveHooks } from "./job";
import { SessionHandle, type TerminalFlags } from "./session-handle";

export interface WorkerOptions {
  /** "ip:port" of the terminal (see terminalKey). */
  key: string;
  sessionFactory: SessionFactory;
  /** Requests allowed to wait behind the running one; one more fails with DEVICE_BUSY (docs/architecture.md §4). */
  maxWaiters: number;
  logger: Logger;
  now: () => number;
  /** Terminals that still need an ENABLE; shared by every worker of the pool and outliving them. */
  pendingEnables: PendingEnables;
  /** Called when the queue is empty and the session closed, so the owner can forget this worker. */
  onIdle: () => void;
  /** Persists "this terminal may be disabled" across agent restarts (absent: memory only). */
  disabledStore?: { mark(key: string, target: DeviceTarget): Promise<void>; clear(key: string): Promise<void> };
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Serialises every operation on one terminal; different terminals have different workers and run in parallel. */
export class TerminalWorker {
  private readonly waiting: Job[] = [];
  private busy = false;
  private current: SessionHandle | undefined;
  private readonly terminal: TerminalFlags = { disabled: false };
  /** The target (credentials) of the job that sent the last DISABLE: the ENABLE must go the same way. */
  private disabledBy: DeviceTarget | undefined;
  /** The target of the job now running. */
  private running: DeviceTarget | undefined;
  /** The last session broke; the terminal may not have noticed yet. */
  private justFailed = false;
  /** Sessions opened so far (tests and logs: a burst should cost one). */
  connects = 0;
  /** Set while the terminal is watched: the session is kept open between jobs. */
  private live: LiveHooks | undefined;
  /** An ENABLE went out since events were last registered on the current session. */
  private reRegister = false;
  /** The hooks that heard of the current session: a watcher set since (a registry change) must hear of it too. */
  private attachedHooks: LiveHooks | undefined;
  /** When the running job expects to be done (expectBusyUntil); 0 = no estimate. */
  private busyUntil = 0;

  constructor(private readonly opts: WorkerOptions) {
    this.terminal.beforeDisable = async () => {
      this.disabledBy = this.running;
      // On disk before DISABLE goes out: after a SIGKILL the next run enables it first (a failed write is logged
      // by the store and does not block the job: the in-memory record and the terminal's own timeout remain).
      if (this.running) await this.opts.disabledStore?.mark(this.opts.key, this.running).catch(() => undefined);
    };
    this.terminal.afterEnable = () => {
      this.reRegister = true;
      this.disabledBy = undefined;
      void this.opts.disabledStore?.clear(this.opts.key).catch(() => undefined);
    };
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Watches the terminal (hooks) or stops watching (undefined: the session closes when the queue next empties). */
  setLive(hooks: LiveHooks | undefined): void {
    this.live = hooks;
  }

  get isLive(): boolean {
    return this.live !== undefined;
  }

  /** After setLive(undefined): closes the kept session now unless a job runs (its burst's end closes it then). */
  async closeIfIdle(target: DeviceTarget): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (this.current) await this.release(target);
    } finally {
      this.endTurn();
    }
  }

  /**
   * The worker's turn (a burst, or closing the kept session) is over: a job submitted meanwhile found the worker
   * busy and was only queued, so it starts now; otherwise the owner hears that the worker is idle.
   */
  private endTurn(): void {
    this.busy = false;
    if (this.waiting.length > 0) void this.pump();
    else this.opts.onIdle();
  }

  /** True while a job runs or the session is being opened/closed. */
  get active(): boolean {
    return this.busy;
  }

  /** Queues `run`; it gets the terminal's session once every earlier request is done, or fails with DEVICE_BUSY. */
  submit<T>(target: DeviceTarget, deadline: number, run: JobFn<T>, options: JobOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const refuse = (err: CodedError) => {
        reject(err);
        // A worker created for this job alone must still report idle, or the pool keeps it (and idle() hangs).
        if (!this.busy && this.waiting.length === 0) this.opts.onIdle();
      };
      const now = this.opts.now();
      if (options.signal?.aborted) return refuse(this.goneError());
      if (deadline <= now) return refuse(this.busyError("the request's deadline had already passed"));
      if (this.waiting.length >= this.opts.maxWaiters) {
        return refuse(this.busyError(`${this.waiting.length} requests are already waiting`, { queued: this.waiting.length }));
      }
      const job: Job = { target, deadline, budgetMs: deadline - now, run: run as JobFn<unknown>, resolve: resolve as (v: unknown) => void, reject, mutates: options.mutates === true };
      if (options.extend) job.extend = options.extend;
      job.drop = (err: CodedError) => {
        const i = this.waiting.indexOf(job);
        if (i < 0) return;
        this.waiting.splice(i, 1);
        this.unwatch(job);
        reject(err);
      };
      this.armTimer(job);
      if (options.signal) {
        job.signal = options.signal;
        job.onAbort = () => job.drop!(this.goneError());
        options.signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.waiting.push(job);
      // Queued behind a job known to be long: this one's wait grows with it at once.
      if (this.busy) this.extendWaiting();
      void this.pump();
    });
  }

  /** docs/architecture.md §4: past its deadline a waiting request fails now and is never run later. */
  private armTimer(job: Job): void {
    if (job.timer !== undefined) clearTimeout(job.timer);
    const left = job.deadline - this.opts.now();
    job.timer = setTimeout(() => job.drop?.(this.busyError("the request's deadline passed while it waited for the terminal")), Math.min(Math.max(left, 0), MAX_TIMER_MS));
  }

  /**
   * docs/relay.md §4: the running job holds the terminal until busyUntil; each waiting job that can extend its
   * deadline gets the time it was given counted from then, so a long read does not fail everything queued behind it;
   * never more than MAX_EXTENDED_WAIT_MS from now, the most the gateway waits.
   */
  private extendWaiting(): void {
    const now = this.opts.now();
    if (this.busyUntil <= now) return;
    for (const job of this.waiting) {
      const later = capExtendedDeadline(this.busyUntil + job.budgetMs, now);
      if (job.extend === undefined || later <= job.deadline) continue;
      job.deadline = later;
      job.extend(later);
      this.armTimer(job);
    }
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    let last: DeviceTarget | undefined;
    try {
      for (;;) {
        while (this.waiting.length > 0) {
          const job = this.waiting.shift()!;
          this.unwatch(job);
          last = job.target;
          await this.execute(job);
          // Close as soon as nobody waits, so other software (the vendor's own tools) can reach the terminal;
          // jobs queued meanwhile keep the loop going and reconnect.
          if (this.waiting.length === 0) await this.release(last);
        }
        // Unwatched while this burst ended (closeIfIdle found the worker busy): the session it kept closes now.
        if (this.live || !this.current || !last) break;
        await this.release(last);
        if (this.waiting.length === 0) break;
      }
    } finally {
      this.endTurn();
    }
  }

  private async execute(job: Job): Promise<void> {
    if (job.deadline <= this.opts.now()) return job.reject(this.busyError("the request's deadline passed while it waited"));
    let handle: SessionHandle;
    this.running = job.target;
    try {
      handle = await this.acquire(job.target);
      // A terminal someone left disabled is enabled before anything else runs (reads included); only a queued
      // write may continue a burst that keeps it disabled.
      if (this.opts.pendingEnables.has(this.opts.key) || (this.terminal.disabled && !job.mutates)) await this.enableFirst(handle);
    } catch (err) {
      return job.reject(err);
    }
    if (job.deadline <= this.opts.now()) return job.reject(this.busyError("the request's deadline passed while connecting"));
    if (job.signal?.aborted) return job.reject(this.goneError());
    let outcome: { ok: true; value: unknown } | { ok: false; err: unknown };
    try {
      const context: JobContext = {
        reconnect: () => this.reconnect(job.target),
        queuedWrites: () => this.waiting.filter((j) => j.mutates).length,
        expectBusyUntil: (until) => {
          this.busyUntil = Math.max(this.busyUntil, until);
          this.extendWaiting();
        },
      };
      outcome = { ok: true, value: await job.run(handle.view, context) };
    } catch (err) {
      outcome = { ok: false, err };
    } finally {
      this.busyUntil = 0;
    }
    // The job may have reconnected: judge the session it ended on.
    if (this.current?.failed) {
      this.justFailed = true;
      await this.discard();
    }
    // docs/architecture.md §4: enabled again before the answer — unless a queued write follows on the same session, which
    // would disable it right away (a burst of deletes disables once); the last job of the burst enables.
    // Only a write with the same credentials continues the burst: another comm key gets a session of its own, and
    // this one must not be dropped with the terminal still disabled.
    const next = this.waiting[0];
    const nextWrites = this.current !== undefined && next?.mutates === true && sessionSignature(next.target) === this.current.signature;
    if (this.terminal.disabled && !nextWrites) await this.reenable(this.disabledBy ?? job.target);
    await this.reRegisterLive();
    // Settle last, so whoever reads the answer finds the terminal enabled again (mid-burst: about to be written).
    if (outcome.ok) job.resolve(outcome.value);
    else job.reject(outcome.err);
  }

  private async acquire(target: DeviceTarget): Promise<SessionHandle> {
    const signature = sessionSignature(target);
    const current = this.current;
    if (current && current.signature === signature && !current.dead) {
      if (this.live && this.attachedHooks !== this.live) await this.attachLive();
      return current;
    }
    if (current) {
      // Died between jobs (the terminal dropped it): redial rather than fail the next job with DEVICE_DISCONNECTED.
      if (current.dead) this.justFailed = true;
      // No session is dropped with the terminal disabled: ENABLE first, with the credentials that disabled it.
      else if (this.terminal.disabled) await this.reenable(this.disabledBy ?? target);
      // Two registry names for one terminal may differ in transport or comm key: use the one this job asks for.
      await this.discard();
    }
    // Right after a broken session the terminal may still hold it for a moment (one session at a time, docs/protocol.md §4.3).
    const session = await this.connect(target, this.justFailed ? RETRY_AFTER_FAILURE_MS.slice(0, 1) : []);
    this.justFailed = false;
    this.current = new SessionHandle(session, signature, this.terminal, this.opts.now);
    await this.attachLive();
    return this.current;
  }

  /** A new session of a watched terminal: the watcher registers for events on it (docs/events.md §4). */
  private async attachLive(): Promise<void> {
    const live = this.live;
    const current = this.current;
    if (!live || !current) return;
    try {
      await live.onSession(current.session);
      this.attachedHooks = live;
      this.reRegister = false;
    } catch (err) {
      this.justFailed = true;
      await this.discard();
      throw err;
    }
  }

  /** After an ENABLE on a watched terminal's session: events registered again (docs/protocol.md §11.1). */
  private async reRegisterLive(): Promise<void> {
    const live = this.live;
    const current = this.current;
    if (!live || !current || !this.reRegister || current.dead || current.failed) return;
    this.reRegister = false;
    try {
      await live.onEnabled(current.session);
    } catch (err) {
      this.opts.logger.warn("could not register for events again after ENABLE; reconnecting", { addr: this.opts.key, error: err });
      this.justFailed = true;
      await this.discard();
    }
  }

  private async reconnect(target: DeviceTarget): Promise<ZkSession> {
    this.justFailed = true;
    await this.discard();
    return (await this.acquire(target)).view;
  }

  private async connect(target: DeviceTarget, retryDelays: readonly number[]): Promise<ZkSession> {
    const session = await dial(this.opts.sessionFactory, target, retryDelays, this.opts.now);
    this.connects++;
    return session;
  }

  /** ENABLE before a job runs; a broken session fails the job (nothing was done), a refusal lets it run. */
  private async enableFirst(handle: SessionHandle): Promise<void> {
    try {
      await handle.enable();
      if (this.opts.pendingEnables.clear(this.opts.key)) this.opts.logger.info("terminal left disabled earlier is enabled again", { addr: this.opts.key });
    } catch (err) {
      if (!handle.failed) return;
      this.justFailed = true;
      await this.discard();
      throw err;
    }
  }

  /** docs/architecture.md §4: every session ends with the terminal enabled, even when the job's own `finally` could not do it. */
  private async reenable(target: DeviceTarget): Promise<void> {
    const key = this.opts.key;
    if (this.current) {
      try {
        await this.current.enable();
        this.opts.pendingEnables.clear(key);
        return;
      } catch {
        if (this.current && !this.current.failed) return this.giveUp(target, "the terminal refused ENABLE");
        this.justFailed = true;
        await this.discard();
      }
    }
    try {
      const session = await this.connect(target, RETRY_AFTER_FAILURE_MS);
      this.justFailed = false;
      this.current = new SessionHandle(session, sessionSignature(target), this.terminal, this.opts.now);
      await this.current.enable();
      this.opts.pendingEnables.clear(key);
      this.opts.logger.warn("terminal re-enabled on a fresh session after a failed operation", { addr: key });
    } catch (err) {
      await this.discard();
      this.giveUp(target, err);
      return;
    }
    // A watched terminal keeps this session as its live one: the watcher must hear of it like of any other new
    // session, or the terminal's events go to a session nobody listens on (docs/events.md §4).
    try {
      await this.attachLive();
    } catch (err) {
      // attachLive dropped the session; the terminal is enabled, and the next job or keep-alive dials again.
      this.opts.logger.warn("could not register for events on the fresh session; reconnecting", { addr: key, error: err });
    }
  }

  /** The pool's record takes over: background retries, and an ENABLE before the next job on this terminal. */
  private giveUp(target: DeviceTarget, why: unknown): void {
    this.opts.logger.error("could not re-enable terminal; retrying in the background and before its next request", { addr: this.opts.key, error: why });
    this.terminal.disabled = false;
    this.opts.pendingEnables.add(this.opts.key, target);
  }

  /** End of a burst: the terminal enabled (if a job left it disabled), then the session closed. */
  private async release(target: DeviceTarget): Promise<void> {
    if (this.terminal.disabled) await this.reenable(this.disabledBy ?? target);
    // A watched terminal keeps its one session: the next job, keep-alive or event uses it (docs/events.md §4).
    if (this.live && this.current && !this.current.dead && !this.current.failed) return this.reRegisterLive();
    await this.discard();
  }

  private async discard(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    this.attachedHooks = undefined;
    if (!current) return;
    try {
      await current.session.close();
    } catch (err) {
      this.opts.logger.debug("closing a terminal session failed", { addr: this.opts.key, error: err });
    }
  }

  private unwatch(job: Job): void {
    clearTimeout(job.timer);
    if (job.onAbort) job.signal?.removeEventListener("abort", job.onAbort);
  }

  private busyError(why: string, details: Record<string, unknown> = {}): CodedError {
    return new CodedError("DEVICE_BUSY", `Terminal ${this.opts.key} is busy: ${why}`, { addr: this.opts.key, ...details });
  }

  private goneError(): CodedError {
    return new CodedError("AGENT_OFFLINE", `Request for terminal ${this.opts.key} dropped before it started: the gateway link that carried it closed`, {
      addr: this.opts.key,
    });
  }
}
