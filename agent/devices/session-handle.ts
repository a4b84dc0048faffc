// The worker's handle on one open session: what jobs did to it (broke it, disabled the terminal) and what stays true while disabled.
import type { ZkFreeSizes, ZkSession, ZkTemplate, ZkUser } from "../zk/types";
import { hasFlag } from "../../shared/errors";

/** Lets operations ask a job's session whether it broke (see sessionFailed) without a wider interface. */
const FAILED = Symbol.for("zk-relay.session-failed");

/**
 * How long an acknowledged DISABLE is trusted. The client's DISABLE asks the terminal to re-enable itself after
 * 300 s (docs/protocol.md §4.4), so well before that a write re-sends DISABLE and the caches below are dropped.
 */
export const DISABLE_TRUST_MS = 60_000;

/**
 * True when `err` does not compromise the session it came from (the error contract's `sessionSafe`: the device
 * answered, or nothing was sent). Every other failure (timeout, reset, garbage) leaves the session's reply ids
 * and buffers in an unknown state, so it is discarded.
 */
export function leavesSessionUsable(err: unknown): boolean {
  return hasFlag(err, "sessionSafe");
}

/** Lets operations ask a job's session whether it holds the template table (see hasTemplateTable). */
const TEMPLATES = Symbol.for("zk-relay.template-table");

/** True when `session` is a job's view that already holds a valid template table (a burst read it): reading it is free. */
export function hasTemplateTable(session: ZkSession): boolean {
  return (session as unknown as Record<symbol, unknown>)[TEMPLATES] === true;
}

/** Lets an operation leave its REFRESHDATA to the end of the burst (see deferRefresh). */
const DEFER_REFRESH = Symbol.for("zk-relay.defer-refresh");

/**
 * For a write with more writes queued behind it on the same session (a burst, terminal disabled throughout): the
 * REFRESHDATA it owes (docs/protocol.md §8.10) is sent once, right before the burst's ENABLE, instead of after each write.
 * False on anything but a job's view (the caller then refreshes itself).
 */
export function deferRefresh(session: ZkSession): boolean {
  const defer = (session as unknown as Record<symbol, unknown>)[DEFER_REFRESH];
  return typeof defer === "function" && (defer as () => boolean)();
}

/** True when `session` is a job's view of a session whose connection already failed (a plain session: false). */
export function sessionFailed(session: ZkSession): boolean {
  return (session as unknown as Record<symbol, unknown>)[FAILED] === true;
}

/** The ZkClient exposes `dead` once its socket is gone; a session without the getter counts as alive. */
export function isDead(session: ZkSession): boolean {
  return (session as { dead?: unknown }).dead === true;
}

/** Terminal-wide state the worker keeps across sessions. */
export interface TerminalFlags {
  /** DISABLE sent (so maybe applied) and no ENABLE acknowledged since: the keypad may be locked (§4.4). */
  disabled: boolean;
  /** Awaited before a DISABLE is sent (the worker persists "maybe disabled", with who disabled it). */
  beforeDisable?: () => Promise<void>;
  /** Called once an ENABLE is acknowledged. */
  afterEnable?: () => void;
  /** A write of a burst left its REFRESHDATA to the end of the burst (deferRefresh): sent before the next ENABLE. */
  refreshOwed?: boolean;
}

const cloneUsers = (list: readonly ZkUser[]): ZkUser[] => list.map((u) => ({ ...u, raw: u.raw.slice() }));
const cloneTemplates = (list: readonly ZkTemplate[]): ZkTemplate[] => list.map((t) => ({ ...t, template: t.template.slice() }));

/**
 * One open session. Jobs get `view`, which forwards every member but:
 * - close() is a no-op (the worker closes);
 * - disable() is skipped while the terminal is already disabled by us, and enable() is left to the worker, which
 *   enables once the job — or the burst of queued writes it belongs to — is over (so 5 queued deletes disable once);
 * - while the terminal is disabled by us the keypad cannot change anything, so the user table and free sizes are
 *   read once: a DELETE_USER of ours removes that uid from the cached table; any other write drops the caches.
 *   The template table (a burst's one bulk read) is kept the same way: our DELETE_USER drops that uid's templates
 *   from it (the terminal did, or the delete removes them next) and our DELETE_USERTEMP drops one; the free sizes
 *   are read again after a DELETE_USER, so the delete can see whether the terminal removed the templates itself.
 */
export class SessionHandle {
  /** A command failed in a way that makes this session unsafe to reuse. */
  failed = false;
  readonly view: ZkSession;
  private disabledAckAt: number | undefined;
  private users: ZkUser[] | undefined;
  private sizes: ZkFreeSizes | undefined;
  private templates: ZkTemplate[] | undefined;

  constructor(
    readonly session: ZkSession,
    readonly signature: string,
    private readonly terminal: TerminalFlags,
    private readonly now: () => number,
  ) {
    this.view = this.makeView();
  }

  get dead(): boolean {
    return isDead(this.session);
  }

  /** ENABLEDEVICE on the terminal (the worker's call: a job's enable() is deferred), after a REFRESHDATA still owed. */
  async enable(): Promise<void> {
    this.forget();
    if (this.terminal.refreshOwed) {
      // Best effort, like the op's own refresh after its commit point; a broken session fails the ENABLE next and
      // the worker retries on a fresh session, where this runs again (the flag is the terminal's, not the session's).
      await this.refresh().catch(() => undefined);
    }
    await this.watch(() => this.session.enable());
    this.terminal.disabled = false;
    this.disabledAckAt = undefined;
    this.terminal.afterEnable?.();
  }

  private async refresh(): Promise<void> {
    await this.watch(() => this.session.refreshData());
    this.terminal.refreshOwed = false;
  }

  private async disable(): Promise<void> {
    if (this.lockedByUs()) return;
    this.forget();
    await this.terminal.beforeDisable?.();
    // Marked before sending: a DISABLE whose reply is lost may still have been applied.
    this.terminal.disabled = true;
    await this.watch(() => this.session.disable());
    this.disabledAckAt = this.now();
  }

  /** The terminal acknowledged our DISABLE on this session recently enough that nobody at the keypad changed anything. */
  private lockedByUs(): boolean {
    return this.terminal.disabled && this.disabledAckAt !== undefined && this.now() - this.disabledAckAt < DISABLE_TRUST_MS;
  }

  private forget(): void {
    this.users = undefined;
    this.sizes = undefined;
    this.templates = undefined;
  }

  private async getUsers(known?: { users: number }): Promise<ZkUser[]> {
    if (this.users && this.lockedByUs()) return cloneUsers(this.users);
    const locked = this.lockedByUs();
    const list = await this.watch(() => this.session.getUsers(known));
    if (locked && this.lockedByUs()) this.users = cloneUsers(list);
    return list;
  }

  private async freeSizes(): Promise<ZkFreeSizes> {
    if (this.sizes && this.lockedByUs()) return { ...this.sizes };
    const locked = this.lockedByUs();
    const sizes = await this.watch(() => this.session.freeSizes());
    if (locked && this.lockedByUs()) this.sizes = { ...sizes };
    return sizes;
  }

  private async getTemplates(): Promise<ZkTemplate[]> {
    if (this.templates && this.lockedByUs()) return cloneTemplates(this.templates);
    const locked = this.lockedByUs();
    const list = await this.watch(() => this.session.getTemplates());
    if (locked && this.lockedByUs()) this.templates = cloneTemplates(list);
    return list;
  }

  private async deleteUser(uid: number): Promise<void> {
    this.sizes = undefined; // the counts change (templates too, on firmware that removes them)
    try {
      await this.watch(() => this.session.deleteUser(uid));
    } catch (err) {
      this.users = undefined; // applied or not: unknown
      this.templates = undefined;
      throw err;
    }
    this.users = this.users?.filter((u) => u.uid !== uid);
    this.templates = this.templates?.filter((t) => t.uid !== uid);
  }

  private async deleteTemplate(uid: number, finger: number): Promise<void> {
    this.sizes = undefined;
    try {
      await this.watch(() => this.session.deleteTemplate(uid, finger));
    } finally {
      // Gone now, or (ACK_ERROR) not there in the first place; on any other failure the session is dropped anyway.
      this.templates = this.templates?.filter((t) => !(t.uid === uid && t.finger === finger));
    }
  }

  private async watch<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!leavesSessionUsable(err)) this.failed = true;
      throw err;
    }
  }

  private makeView(): ZkSession {
    const own: Partial<Record<PropertyKey, unknown>> = {
      close: async () => {},
      enable: async () => {},
      disable: () => this.disable(),
      getUsers: (known?: { users: number }) => this.getUsers(known),
      getTemplates: () => this.getTemplates(),
      deleteTemplate: (uid: number, finger: number) => this.deleteTemplate(uid, finger),
      freeSizes: () => this.freeSizes(),
      refreshData: () => this.refresh(),
      deleteUser: (uid: number) => this.deleteUser(uid),
    };
    // Reads and writes that leave the user table alone keep the caches.
    const keeps = new Set<PropertyKey>(["getTime", "info", "getAttendance", "getTemplate", "getUserTemplates", "refreshData", "setTime"]);
    return new Proxy(this.session, {
      get: (target, prop) => {
        if (prop === FAILED) return this.failed;
        if (prop === TEMPLATES) return this.templates !== undefined && this.lockedByUs();
        if (prop === DEFER_REFRESH) return () => (this.terminal.refreshOwed = true);
        if (Object.prototype.hasOwnProperty.call(own, prop)) return own[prop];
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== "function" || prop === "constructor") return value;
        return (...args: unknown[]) => {
          if (!keeps.has(prop)) this.forget();
          let result: unknown;
          try {
            result = (value as (...a: unknown[]) => unknown).apply(target, args);
          } catch (err) {
            if (!leavesSessionUsable(err)) this.failed = true;
            throw err;
          }
          // Commands return promises; a synchronous member (an event subscription) passes straight through.
          return result instanceof Promise ? this.watch(() => result as Promise<unknown>) : result;
        };
      },
    });
  }
}
