// One watched terminal: its kept session registered for events, keep-alive, reconnect with backoff, catch-up from the cursor.
import { jobBudgetMs } from "../../shared/budget";
import type { DeviceTarget } from "../../shared/device";
import type { AgentEvent, WatchStatus } from "../../shared/events";
import type { AttendanceRecord } from "../../shared/ops";
import type { DevicePool, LiveHooks } from "../devices/pool";
import type { JobContext } from "../devices/job";
import { leavesSessionUsable } from "../devices/session-handle";
import type { Logger } from "../log";
import { readEstimateMs } from "../ops/attendance";
import { toAttendance } from "../ops/map";
import { Backoff, type BackoffOptions } from "../relay/backoff";
import { decodeEvent, type ZkEvent } from "../zk/codec/event";
import type { ZkAttendance, ZkSession } from "../zk/types";
import { enrollEvent, EF_ENROLLFINGER, LIVE_EVENT_MASK, otherEvent, punchEvent } from "./convert";
import { fingerprint, planCatchUp, type CursorStore } from "./cursor";
import type { EventOutbox } from "./event-outbox";

export interface WatcherOptions {
  pool: DevicePool;
  target: DeviceTarget;
  cursors: CursorStore;
  outbox: EventOutbox;
  logger: Logger;
  /** How often the session is checked (and the cursor moved past live punches), ms. */
  keepAliveMs: number;
  /** Reconnect delays after a failed check or connect. */
  backoff?: BackoffOptions;
  now?: () => Date;
}

/** Live punches remembered (to skip them in the next catch-up) at most; past it a catch-up may re-emit some (same ids). */
const MAX_LIVE_KEYS = 100_000;

/**
 * docs/events.md §4: the terminal's worker keeps one session open (pool.watch); on each new session this watcher
 * registers for events and marks a catch-up due; a loop then catches up (reads the log, emits what is past the
 * cursor) or checks the session (GET_FREE_SIZES) every keepAliveMs. A failed check drops the session (the worker
 * does that for a failed command), and the next round dials again after a backoff delay.
 */
export class LiveWatcher {
  readonly deviceId: string;
  private key = "";
  private stopped = false;
  private catchUpDue = true;
  /** Punches received live since the cursor was last written, in arrival order. */
  private liveSince: AttendanceRecord[] = [];
  /** Fingerprints of those punches, so a catch-up does not emit them again (docs/events.md §5). */
  private readonly liveKeys = new Set<string>();
  private readonly users = new Map<number, string>();
  private state: WatchStatus["state"] | undefined;
  private refusedEvents = false;
  private wake: (() => void) | undefined;
  /** Ends this watcher's subscription to the current session's events. */
  private offEvents: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  /** Aborted by stop(): this watcher's jobs still waiting in the terminal's queue are dropped (they may wait long). */
  private readonly abort = new AbortController();
  private readonly backoff: Backoff;
  private readonly now: () => Date;

  constructor(private readonly opts: WatcherOptions) {
    this.deviceId = opts.target.id;
    this.backoff = new Backoff(opts.backoff);
    this.now = opts.now ?? (() => new Date());
  }

  get target(): DeviceTarget {
    return this.opts.target;
  }

  /** Live punches received since the last cursor write (tests). */
  get pendingLive(): number {
    return this.liveSince.length;
  }

  async start(): Promise<void> {
    const hooks: LiveHooks = { onSession: (s) => this.onSession(s), onEnabled: (s) => this.register(s) };
    this.key = await this.opts.pool.watch(this.opts.target, hooks);
    this.loopDone = this.loop();
  }

  /** Stops the loop, then lets the worker close the session (after any queued work); reports `stopped`. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    // A keep-alive queued behind a large read waits as long as that read (docs/relay.md §4): dropped, not waited for.
    this.abort.abort();
    await this.loopDone;
    // The session may outlive this watcher (a registry change hands it to the next one): stop hearing its events.
    this.offEvents?.();
    this.offEvents = undefined;
    if (this.key) await this.opts.pool.unwatch(this.key, this.opts.target);
    await this.report("stopped").catch(() => undefined);
  }

  private async onSession(session: ZkSession): Promise<void> {
    // Stopped (the worker may still hear of a new session before unwatch): its events are not this watcher's.
    if (this.stopped) return;
    this.offEvents?.();
    this.offEvents = session.onEvent?.((packet) => this.onPacket(packet));
    await this.register(session);
    // Whatever happened while no session listened is in the log: read it before trusting live events alone.
    this.catchUpDue = true;
    this.wake?.();
  }

  /**
   * REG_EVENT on `session`. A terminal that refuses it (firmware without realtime events) keeps working for every
   * operation: its punches then arrive by the keep-alive's count check and a catch-up, not live.
   */
  private async register(session: ZkSession): Promise<void> {
    try {
      await session.regEvent?.(LIVE_EVENT_MASK);
    } catch (err) {
      if (!leavesSessionUsable(err)) throw err;
      if (!this.refusedEvents) this.opts.logger.warn("terminal refused event registration; its punches arrive by catch-up only", { device: this.deviceId, error: err });
      this.refusedEvents = true;
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const { target, pool } = this.opts;
        // Nobody else waits for these jobs: behind a large read they wait as long as it takes (docs/relay.md §4),
        // instead of failing and making the session look down (which would read the whole log once more).
        const waitBehind = { extend: () => undefined, signal: this.abort.signal };
        if (this.catchUpDue) {
          await pool.run(target, Date.now() + jobBudgetMs(target.timeout, true), (s, job) => this.catchUp(s, job), waitBehind);
        } else {
          await pool.run(target, Date.now() + jobBudgetMs(target.timeout, false), (s) => this.keepAlive(s), waitBehind);
        }
        this.backoff.reset();
        if (this.state !== "live") await this.report("live");
        if (!this.catchUpDue) await this.sleep(this.opts.keepAliveMs);
      } catch (err) {
        if (this.stopped) return;
        const code = String((err as { code?: unknown }).code ?? "INTERNAL").slice(0, 64);
        const delay = this.backoff.next();
        this.opts.logger.warn("live session to terminal down; reconnecting", { device: this.deviceId, error: code, retry_in_ms: delay });
        this.catchUpDue = true;
        if (this.state !== "connecting") await this.report("connecting", { error: code }).catch(() => undefined);
        await this.sleep(delay);
      }
    }
  }

  /**
   * Reads the log and emits, marked catch_up, the records past the cursor that were not received live already; a
   * log that no longer starts with what the cursor saw is reported and read from the start (docs/events.md §5).
   * The cursor is written only once those events are on disk in the outbox.
   */
  private async catchUp(session: ZkSession, job?: JobContext): Promise<void> {
    if (job) {
      // docs/relay.md §4: requests queued behind this read wait as long as a log this size takes (one packet to count
      // it) — when that is longer than the usual bulk budget; a log that fits it moves nobody's deadline.
      const { records } = await session.freeSizes();
      const estimate = readEstimateMs(records, session.transport);
      if (estimate > jobBudgetMs(this.opts.target.timeout, true)) job.expectBusyUntil(Date.now() + estimate);
    }
    const raw = await session.getAttendance();
    if (raw.some((r) => !r.userId)) for (const u of await session.getUsers()) this.users.set(u.uid, u.userId);
    const log = raw.map((r) => toAttendance(r, r.userId || this.users.get(r.uid) || ""));
    const cursor = this.opts.cursors.get(this.deviceId, this.key);
    const plan = planCatchUp(cursor, log);
    const fresh = log.slice(plan.from).filter((r) => !this.liveKeys.has(fingerprint(r)));
    const at = this.now().toISOString();
    if (plan.reset) this.opts.logger.warn("terminal's attendance log was cleared or shrank; reading it from the start", { device: this.deviceId, ...plan.reset });
    const status: WatchStatus = {
      device_id: this.deviceId,
      state: "live",
      log_records: log.length,
      caught_up_at: at,
      at,
      ...(plan.reset ? { log_reset: { at, ...plan.reset } } : {}),
    };
    await this.opts.outbox.add(
      fresh.map((r) => punchEvent(this.deviceId, r, true)),
      status,
    );
    await this.opts.cursors.set(this.deviceId, this.key, { count: log.length, ...(log.length > 0 ? { last: fingerprint(log[log.length - 1]!) } : {}) });
    this.state = "live";
    this.liveSince = [];
    this.liveKeys.clear();
    this.catchUpDue = false;
    if (fresh.length > 0 || plan.reset) this.opts.logger.info("caught up with terminal's log", { device: this.deviceId, emitted: fresh.length, log_records: log.length });
  }

  /**
   * One packet proves the session alive; the record count says whether the log holds exactly the cursor plus the
   * punches received live since — then the cursor moves past them without reading the log — or not (a punch was
   * missed, or the log was cleared): then the next round catches up.
   */
  private async keepAlive(session: ZkSession): Promise<void> {
    const { records } = await session.freeSizes();
    if (this.catchUpDue) return;
    const count = this.opts.cursors.get(this.deviceId, this.key)?.count ?? 0;
    const live = this.liveSince.length;
    if (records !== count + live) {
      this.catchUpDue = true;
      return;
    }
    if (live === 0) return;
    const last = this.liveSince[live - 1]!;
    await this.opts.outbox.flush();
    await this.opts.cursors.set(this.deviceId, this.key, { count: records, last: fingerprint(last) });
    this.liveSince = this.liveSince.slice(live);
    this.liveKeys.clear();
  }

  private onPacket(packet: { command: number; sessionId: number; replyId: number; payload: Uint8Array }): void {
    let e: ZkEvent;
    try {
      e = decodeEvent(packet);
    } catch (err) {
      this.opts.logger.warn("undecodable event from terminal dropped", { device: this.deviceId, error: err });
      return;
    }
    if (e.kind === "attLog") {
      void this.onPunch(e.record);
      return;
    }
    const event = packet.sessionId === EF_ENROLLFINGER ? enrollEvent(this.deviceId, packet.payload, this.now()) : otherEvent(this.deviceId, e, this.now());
    if (event) this.emit([event]);
  }

  private async onPunch(record: ZkAttendance): Promise<void> {
    let userId = record.userId;
    // 10- and 14-byte events name the person by uid only (docs/protocol.md §11.3): the log names them by user_id,
    // and the event must have the log record's id, so the user table is read when the uid is new.
    if (!userId && record.uid > 0) {
      if (!this.users.has(record.uid)) await this.loadUsers().catch(() => undefined);
      userId = this.users.get(record.uid) ?? "";
    }
    const rec = toAttendance(record, userId);
    this.liveSince.push(rec);
    if (this.liveKeys.size < MAX_LIVE_KEYS) this.liveKeys.add(fingerprint(rec));
    this.emit([punchEvent(this.deviceId, rec, false)]);
  }

  private async loadUsers(): Promise<void> {
    const { target, pool } = this.opts;
    const users = await pool.run(target, Date.now() + jobBudgetMs(target.timeout, true), (s) => s.getUsers(), { signal: this.abort.signal });
    for (const u of users) this.users.set(u.uid, u.userId);
  }

  private emit(events: AgentEvent[]): void {
    this.opts.outbox.add(events).catch((err: unknown) => this.opts.logger.error("could not keep live events in the outbox; the next catch-up re-reads them", { device: this.deviceId, error: err }));
  }

  private async report(state: WatchStatus["state"], extra: Partial<WatchStatus> = {}): Promise<void> {
    this.state = state;
    await this.opts.outbox.add([], { device_id: this.deviceId, state, at: this.now().toISOString(), ...extra });
  }

  private sleep(ms: number): Promise<void> {
    // stop() may have come while no sleep was pending (its wake then had nothing to end): the loop must not start
    // one now, whose unref'd timer could be all that is left when the agent shuts down.
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref?.();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
