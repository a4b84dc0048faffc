// In-memory ZkSession for the agent's unit tests: one fake terminal, a call log, injectable delays and failures.
import type { DeviceTarget } from "../../shared/device";
import type { SessionFactory } from "../../agent/devices/session-factory";
import type { ZkAttendance, ZkDateTime, ZkDeviceInfo, ZkSession, ZkTemplate, ZkUser, ZkUserInput } from "../../agent/zk/types";
import { decodeUser28, decodeUser72, encodeUser28, encodeUser72 } from "../../agent/zk/codec/user";

export interface CallEntry {
  session: number;
  name: string;
  start: number;
  end?: number;
  /** A REFRESHDATA the client sent on its own inside a mutator (see FakeTerminal.bundledRefresh). */
  bundled?: boolean;
}

/** The real ZkClient's mutators that send REFRESHDATA themselves right after their command (zk-client.ts). */
const BUNDLES_REFRESH = new Set(["setTime", "setUser", "setUserRaw", "deleteUser", "clearAttendance", "deleteTemplate", "saveUsersWithTemplates"]);

/** Returns an error to throw for this call, or undefined. `phase` "after" = the command took effect, reply lost. */
export type FailHook = (name: string, phase: "before" | "after", args: unknown[]) => Error | undefined;

export class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class FakeTerminal {
  users = new Map<number, Uint8Array>();
  templates: ZkTemplate[] = [];
  attendance: ZkAttendance[] = [];
  enabled = true;
  time: ZkDateTime = { year: 2024, month: 3, day: 15, hour: 8, minute: 0, second: 0 };
  calls: CallEntry[] = [];
  connects = 0;
  openSessions = 0;
  maxOpenSessions = 0;
  delayMs = 0;
  failHook: FailHook | undefined;
  connectError: Error | undefined;
  /** Whether DELETE_USER also drops the user's templates (firmware differs, docs/protocol.md §8.9). */
  deleteDropsTemplates = true;
  transport: "tcp" | "udp" = "tcp";
  /**
   * Mirror the real client: its mutators send REFRESHDATA right after their command, inside the same call, so a
   * failing REFRESHDATA fails that call although the change was applied (failHook sees it as "refreshData"). Set
   * it false once the client's mutators stop sending REFRESHDATA (the ops send their own).
   */
  bundledRefresh = false;
  /** Every session handed out, open or closed. */
  sessions: FakeSession[] = [];

  constructor(readonly format: 28 | 72 = 72) {}

  addUser(u: ZkUserInput): ZkUser {
    const raw = this.format === 72 ? encodeUser72(u) : encodeUser28(u);
    this.users.set(u.uid, raw);
    return this.decode(raw);
  }

  decode(raw: Uint8Array): ZkUser {
    return raw.length === 72 ? decodeUser72(raw) : decodeUser28(raw);
  }

  userList(): ZkUser[] {
    return [...this.users.values()].map((r) => this.decode(r)).sort((a, b) => a.uid - b.uid);
  }

  byUserId(userId: string): ZkUser | undefined {
    return this.userList().find((u) => u.userId === userId);
  }

  /** The session methods called, in order (what the operations asked for; see wireNames for the bundled refreshes). */
  callNames(session?: number): string[] {
    return this.calls.filter((c) => !c.bundled && (session === undefined || c.session === session)).map((c) => c.name);
  }

  /** Every command as the terminal saw it, the client's own REFRESHDATA included. */
  wireNames(): string[] {
    return this.calls.map((c) => c.name);
  }

  factory(): SessionFactory {
    return async (_target: DeviceTarget) => {
      this.calls.push({ session: 0, name: "connect", start: performance.now() });
      if (this.delayMs) await sleep(this.delayMs);
      if (this.connectError) throw this.connectError;
      this.connects++;
      const session = new FakeSession(this, this.connects);
      this.sessions.push(session);
      return session;
    };
  }

  /** The terminal drops every open session (reboot, idle timeout): their sockets are gone. */
  dropSessions(): void {
    for (const s of this.sessions) if (!s.closed) s.dropped = true;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Implements ZkSession over a FakeTerminal; every method goes through `call` for logging, delay and faults. */
export class FakeSession implements ZkSession {
  readonly transport: "tcp" | "udp";
  readonly packets = { sent: 0, received: 0 };
  closed = false;
  /** The terminal dropped this session (see FakeTerminal.dropSessions). */
  dropped = false;

  constructor(
    private readonly t: FakeTerminal,
    readonly id: number,
  ) {
    this.transport = t.transport;
    t.openSessions++;
    t.maxOpenSessions = Math.max(t.maxOpenSessions, t.openSessions);
  }

  get userFormat(): 28 | 72 {
    return this.t.format;
  }

  /** Like ZkClient.dead: true once the socket is gone. */
  get dead(): boolean {
    return this.closed || this.dropped;
  }

  private async call<T>(name: string, args: unknown[], fn: () => T): Promise<T> {
    const entry: CallEntry = { session: this.id, name, start: performance.now() };
    this.t.calls.push(entry);
    if (this.closed || this.dropped) throw new CodedError("DEVICE_DISCONNECTED", "session closed");
    if (this.t.delayMs) await sleep(this.t.delayMs);
    const before = this.t.failHook?.(name, "before", args);
    if (before) {
      entry.end = performance.now();
      throw before;
    }
    const result = fn();
    const after = this.t.failHook?.(name, "after", args);
    entry.end = performance.now();
    if (after) throw after;
    if (this.t.bundledRefresh && BUNDLES_REFRESH.has(name)) await this.bundledRefresh();
    return result;
  }

  private async bundledRefresh(): Promise<void> {
    const entry: CallEntry = { session: this.id, name: "refreshData", start: performance.now(), bundled: true };
    this.t.calls.push(entry);
    const err = this.t.failHook?.("refreshData", "before", []) ?? this.t.failHook?.("refreshData", "after", []);
    entry.end = performance.now();
    if (err) throw err;
  }

  info(): Promise<ZkDeviceInfo> {
    return this.call("info", [], () => ({
      serial: "FAKE0001",
      platform: "ZMM220_TFT",
      firmware: "Ver 6.60",
      deviceName: "Fake",
      mac: "00:17:61:00:00:01",
      fpVersion: "10",
      sizes: this.sizes(),
      time: { ...this.t.time },
    }));
  }
  private sizes() {
    return {
      users: this.t.users.size,
      fingers: this.t.templates.length,
      records: this.t.attendance.length,
      usersCap: 3000,
      fingersCap: 3000,
      recordsCap: 100000,
    };
  }
  freeSizes() {
    return this.call("freeSizes", [], () => this.sizes());
  }
  getTime() {
    return this.call("getTime", [], () => ({ ...this.t.time }));
  }
  setTime(time: ZkDateTime) {
    return this.call("setTime", [time], () => void (this.t.time = { ...time }));
  }
  disable() {
    return this.call("disable", [], () => void (this.t.enabled = false));
  }
  enable() {
    return this.call("enable", [], () => void (this.t.enabled = true));
  }
  refreshData() {
    return this.call("refreshData", [], () => undefined);
  }
  getUsers() {
    return this.call("getUsers", [], () => this.t.userList());
  }
  setUser(user: ZkUserInput) {
    return this.call("setUser", [user], () => void this.t.addUser(user));
  }
  setUserRaw(raw: Uint8Array) {
    return this.call("setUserRaw", [raw], () => {
      if (raw.length !== this.t.format) throw new CodedError("DEVICE_REJECTED", "wrong record size");
      this.t.users.set(raw[0]! | (raw[1]! << 8), raw.slice());
    });
  }
  deleteUser(uid: number) {
    return this.call("deleteUser", [uid], () => {
      if (!this.t.users.delete(uid)) throw new CodedError("DEVICE_REJECTED", "no such uid");
      if (this.t.deleteDropsTemplates) this.t.templates = this.t.templates.filter((x) => x.uid !== uid);
    });
  }
  getAttendance() {
    return this.call("getAttendance", [], () => this.t.attendance.map((a) => ({ ...a })));
  }
  clearAttendance() {
    return this.call("clearAttendance", [], () => void (this.t.attendance = []));
  }
  getTemplates() {
    return this.call("getTemplates", [], () => this.t.templates.map((x) => ({ ...x })));
  }
  getTemplate(uid: number, finger: number) {
    return this.call("getTemplate", [uid, finger], () => {
      const found = this.t.templates.find((x) => x.uid === uid && x.finger === finger);
      return found ? { ...found, template: found.template.slice() } : undefined;
    });
  }
  deleteTemplate(uid: number, finger: number) {
    return this.call("deleteTemplate", [uid, finger], () => {
      const before = this.t.templates.length;
      this.t.templates = this.t.templates.filter((x) => !(x.uid === uid && x.finger === finger));
      if (this.t.templates.length === before) throw new CodedError("DEVICE_REJECTED", "no such template");
    });
  }
  saveUsersWithTemplates(users: Uint8Array[], templates: ZkTemplate[]) {
    return this.call("saveUsersWithTemplates", [users, templates], () => {
      for (const raw of users) this.t.users.set(raw[0]! | (raw[1]! << 8), raw.slice());
      for (const tp of templates) {
        this.t.templates = this.t.templates.filter((x) => !(x.uid === tp.uid && x.finger === tp.finger));
        this.t.templates.push({ ...tp, template: tp.template.slice() });
      }
    });
  }
  startEnroll(userId: string, finger: number) {
    return this.call("startEnroll", [userId, finger], () => undefined);
  }
  restart() {
    return this.call("restart", [], () => undefined);
  }
  unlock(seconds: number) {
    return this.call("unlock", [seconds], () => undefined);
  }
  testVoice(index: number) {
    return this.call("testVoice", [index], () => undefined);
  }
  async close(): Promise<void> {
    this.t.calls.push({ session: this.id, name: "close", start: performance.now() });
    if (this.closed) return;
    this.closed = true;
    this.t.openSessions--;
  }
}

export function target(over: Partial<DeviceTarget> = {}): DeviceTarget {
  return { id: "principal", ip: "127.0.0.1", port: 4370, transport: "tcp", password: 0, timeout: 5, ...over };
}
