// ZkClient: the ZkSession the agent's operations use, one command in flight at a time over one connection.
import * as c from "../codec";
import { ZkFullError, ZkInvalidInputError, ZkRejectedError, ZkTimeoutError } from "../errors";
import type { ZkAttendance, ZkDateTime, ZkDeviceInfo, ZkFreeSizes, ZkSession, ZkTemplate, ZkUser, ZkUserInput } from "../types";
import type { BulkReadOptions } from "./bulk-read";
import type { EventListener, ZkConnection } from "./connection";
import { Mutex } from "./mutex";
import { command } from "./reply";
import { readFingers, type PipelineMode, type ProbeState } from "./template-probe";
import { fillIdentifiers, needsUserMap, readAttendance, readSingleTemplate, readTemplates, readUsers, type ZkAttendanceReadOptions } from "./tables";
import { uploadBuffer } from "./upload";

const { CMD, REPLY } = c;

export interface ZkClientOptions extends BulkReadOptions {
  /** Text encoding of names and passwords on this terminal (docs/protocol.md §8.5). */
  encoding?: string;
  /** Seconds after which a disabled terminal re-enables itself, sent with DISABLEDEVICE (§4.4); 0 = never. */
  disableTimeoutSec?: number;
  /** Reject replies with a wrong checksum (PROTOCOL_ERROR) instead of counting and keeping them (§2.2, see ZkConnectionOptions). */
  strictChecksum?: boolean;
  /** Told when an event listener throws; by default one warning line on stderr. The error is counted either way. */
  onListenerError?: (err: unknown) => void;
}

/**
 * §4.4: a client that dies after DISABLE leaves the terminal locked, so DISABLE carries a self-re-enable timeout
 * as a safety net behind withZkSession's own re-enable; long reads merely let the keypad wake up early.
 */
export const DISABLE_TIMEOUT_SEC = 300;

const ALL_FINGERS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

/** Longest wait for EXIT's ACK when closing. */
const EXIT_WAIT_MS = 1000;

/**
 * §4.3: EXIT, and its ACK awaited briefly, so the device has dropped the session before we hang up; terminals serve
 * one PC connection at a time and a session that lingers blocks the next one. Best effort: errors are ignored.
 */
export async function sayGoodbye(conn: ZkConnection): Promise<void> {
  if (conn.dead) return;
  try {
    await conn.exchange(CMD.exit, undefined, Math.min(conn.timeoutMs, EXIT_WAIT_MS));
  } catch {
    // the device may already be gone
  } finally {
    conn.finish();
  }
}

/**
 * An authenticated session; every public method takes the session lock, so commands never interleave, and every
 * one reports bad input as a rejected promise, never a synchronous throw. Writes do not send REFRESHDATA: callers
 * call refreshData() once after their writes (as pyzk does, §8.10), so a write's own reply is its commit point.
 */
export class ZkClient implements ZkSession {
  private format: 28 | 72 | undefined;
  /** The terminal answered command 88 with ACK_UNKNOWN: it has no single-template read (§10.2). */
  private noSingleTemplateRead = false;
  private templateTable: { list: ZkTemplate[]; sentAt: number } | undefined;
  private readonly lock = new Mutex();
  private closing: Promise<void> | undefined;
  private readonly probe: ProbeState = { mode: "unknown" };

  constructor(
    private readonly conn: ZkConnection,
    private readonly opts: ZkClientOptions = {},
  ) {}

  get transport(): "tcp" | "udp" {
    return this.conn.transport.kind;
  }
  get userFormat(): 28 | 72 | undefined {
    return this.format;
  }
  get encoding(): string {
    return this.opts.encoding ?? "utf-8";
  }
  get packets(): { sent: number; received: number } {
    return { ...this.conn.packets };
  }
  /** True once the socket is gone. */
  get dead(): boolean {
    return this.conn.dead;
  }
  /** Whether this connection pipelines template reads (see readFingers): unknown until tried, then in-order or off. */
  get templatePipelining(): PipelineMode {
    return this.probe.mode;
  }
  /** Replies whose checksum did not match (kept unless `strictChecksum`, §2.2). */
  get badChecksums(): number {
    return this.conn.badChecksums;
  }
  /** Event listeners that threw (see `onListenerError`). */
  get listenerErrors(): number {
    return this.conn.listenerErrors;
  }

  /** Realtime events (CMD_REG_EVENT packets); they are acknowledged for you (§11.4). */
  onEvent(listener: EventListener): () => void {
    return this.conn.onEvent(listener);
  }

  /** CMD_REG_EVENT: which realtime events the device should send (mask of EF flags, 0 = none; §11.1). */
  async regEvent(mask: number): Promise<void> {
    const payload = c.regEventPayload(mask);
    return this.lock.run(async () => void (await this.cmd(CMD.regEvent, payload)));
  }

  info(): Promise<ZkDeviceInfo> {
    return this.lock.run(async () => {
      const firmware = c.parseVersion((await this.cmd(CMD.getVersion)).payload);
      const serial = await this.option("~SerialNumber");
      const platform = await this.option("~Platform");
      const deviceName = await this.option("~DeviceName");
      const mac = await this.option("MAC");
      const fpVersion = await this.option("~ZKFPVersion");
      const sizes = await this.sizes();
      const time = await this.time();
      return { serial, platform, firmware, deviceName, mac, fpVersion, sizes, time };
    });
  }

  /** One CMD_OPTIONS_RRQ value (§5.2); "" when the terminal does not know the name. */
  readOption(name: string): Promise<string> {
    return this.lock.run(() => this.option(name));
  }

  freeSizes(): Promise<ZkFreeSizes> {
    return this.lock.run(() => this.sizes());
  }
  getTime(): Promise<ZkDateTime> {
    return this.lock.run(() => this.time());
  }
  /** SET_TIME; adrobinoga follows it with REFRESHDATA (§6): the caller's refreshData(). */
  async setTime(time: ZkDateTime): Promise<void> {
    const payload = c.u32Payload(c.encodeZkTime(time));
    return this.lock.run(async () => void (await this.cmd(CMD.setTime, payload)));
  }
  disable(): Promise<void> {
    return this.lock.run(async () => void (await this.cmd(CMD.disableDevice, c.u32Payload(this.opts.disableTimeoutSec ?? DISABLE_TIMEOUT_SEC))));
  }
  enable(): Promise<void> {
    return this.lock.run(async () => void (await this.cmd(CMD.enableDevice)));
  }
  refreshData(): Promise<void> {
    return this.lock.run(async () => void (await this.cmd(CMD.refreshData)));
  }

  /** `known.users`: the count of a GET_FREE_SIZES the caller just made with the terminal disabled, so it is not asked again. */
  getUsers(known?: { users: number }): Promise<ZkUser[]> {
    return this.lock.run(() => this.users(known?.users));
  }
  /**
   * USER_WRQ from fields, in the format the terminal served (a guess on an empty one: agent/ops decides it from the
   * terminal's options and verifies by read-back). A field longer than its bytes is refused, never cut.
   */
  setUser(user: ZkUserInput): Promise<void> {
    return this.lock.run(async () => {
      // Write in the format the device served; unknown → 72 on TCP, 28 on UDP (§8.8, pyzk's guess).
      const format = this.format ?? (this.transport === "tcp" ? 72 : 28);
      const record = c.encodeUser(format, user, this.opts.encoding);
      await this.writeUser(record);
    });
  }
  async setUserRaw(raw: Uint8Array): Promise<void> {
    if (raw.length !== 28 && raw.length !== 72) throw new ZkInvalidInputError(`User record must be 28 or 72 bytes, got ${raw.length}`);
    return this.lock.run(() => this.writeUser(raw));
  }
  async deleteUser(uid: number): Promise<void> {
    const payload = c.deleteUserPayload(uid);
    return this.lock.run(async () => void (await this.cmd(CMD.deleteUser, payload)));
  }

  /** The log; identifiers a short record lacks come from the user table (§9.3), see ZkAttendanceReadOptions. */
  getAttendance(opts: ZkAttendanceReadOptions = {}): Promise<ZkAttendance[]> {
    const resolveUids = opts.resolveUids ?? true;
    return this.lock.run(async () => {
      const list = await readAttendance(this.conn, (await this.sizes()).records, this.opts);
      if (needsUserMap(list, resolveUids)) fillIdentifiers(list, await this.users());
      return list;
    });
  }
  clearAttendance(): Promise<void> {
    return this.lock.run(async () => void (await this.cmd(CMD.clearAttLog)));
  }

  getTemplates(): Promise<ZkTemplate[]> {
    return this.lock.run(async () => readTemplates(this.conn, (await this.sizes()).fingers, this.opts));
  }
  async getTemplate(uid: number, finger: number): Promise<ZkTemplate | undefined> {
    c.userTempPayload(uid, finger); // validates before taking the lock
    return this.lock.run(async () => {
      if (this.noSingleTemplateRead) return this.templateFromTable(uid, finger);
      // pyzk retries the single read 3 times (§10.2).
      for (let attempt = 0; ; attempt++) {
        try {
          return await readSingleTemplate(this.conn, uid, finger);
        } catch (err) {
          if (err instanceof ZkRejectedError && err.replyCode === REPLY.ackUnknown) {
            // Firmware without command 88: the bulk table read (§10.1) answers the same question.
            this.noSingleTemplateRead = true;
            this.conn.finish();
            return await this.templateFromTable(uid, finger);
          }
          if (!(err instanceof ZkTimeoutError) || attempt >= (this.opts.retries ?? 3) || this.conn.dead) throw err;
        } finally {
          this.conn.finish();
        }
      }
    });
  }
  /**
   * Several fingers of one user (default all ten), pipelined over TCP where the terminal allows (template-probe.ts);
   * on firmware without command 88 they come out of the bulk table, as getTemplate's do.
   */
  async getUserTemplates(uid: number, fingers: readonly number[] = ALL_FINGERS): Promise<ZkTemplate[]> {
    return this.lock.run(async () => {
      if (!this.noSingleTemplateRead) {
        try {
          return await readFingers(this.conn, uid, fingers, this.probe, this.opts.retries ?? 3);
        } catch (err) {
          if (!(err instanceof ZkRejectedError && err.replyCode === REPLY.ackUnknown)) throw err;
          this.noSingleTemplateRead = true;
          this.conn.finish();
        }
      }
      const out: ZkTemplate[] = [];
      for (const f of fingers) {
        const t = await this.templateFromTable(uid, f);
        if (t) out.push(t);
      }
      return out;
    });
  }

  /**
   * One finger out of the bulk template table. The table is kept only while no other packet was sent since it was
   * read, so the ten reads of one user's fingers cost one table read, and any command in between (a write, an
   * enrolment) makes the next call read it afresh.
   */
  private async templateFromTable(uid: number, finger: number): Promise<ZkTemplate | undefined> {
    if (!this.templateTable || this.templateTable.sentAt !== this.conn.packets.sent) {
      const list = await readTemplates(this.conn, (await this.sizes()).fingers, this.opts);
      this.templateTable = { list, sentAt: this.conn.packets.sent };
    }
    return this.templateTable.list.find((t) => t.uid === uid && t.finger === finger && t.template.length > 0);
  }
  async deleteTemplate(uid: number, finger: number): Promise<void> {
    const payload = c.userTempPayload(uid, finger);
    return this.lock.run(async () => void (await this.cmd(CMD.deleteUserTemp, payload)));
  }
  async saveUsersWithTemplates(users: Uint8Array[], templates: ZkTemplate[]): Promise<void> {
    const blob = c.encodeUserTemplateBatch(users, templates);
    return this.lock.run(async () => {
      await uploadBuffer(this.conn, blob);
      await this.cmd(CMD.saveUserTemps, c.saveUserTempsPayload());
    });
  }

  async startEnroll(userId: string, finger: number): Promise<void> {
    const payload = c.startEnrollPayload(userId, finger, this.transport);
    return this.lock.run(async () => {
      // §10.6: stop any capture, then start enrolment; the finger events arrive later on their own.
      await this.cmd(CMD.cancelCapture);
      await this.cmd(CMD.startEnroll, payload);
    });
  }
  restart(): Promise<void> {
    return this.lock.run(async () => void (await this.cmd(CMD.restart)));
  }
  async unlock(seconds: number): Promise<void> {
    // §12: pyzk sends seconds × 10 (the unit is likely 100 ms).
    const payload = c.u32Payload(Math.round(seconds * 10));
    return this.lock.run(async () => void (await this.cmd(CMD.unlock, payload)));
  }
  async testVoice(index: number): Promise<void> {
    const payload = c.u32Payload(index);
    return this.lock.run(async () => void (await this.cmd(CMD.testVoice, payload)));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // A command still in flight is abandoned (it fails with DEVICE_DISCONNECTED) rather than waited for.
      if (!this.lock.busy) await sayGoodbye(this.conn);
      await this.conn.close();
    })();
    return this.closing;
  }

  private cmd(cmd: number, payload?: Uint8Array): Promise<c.DecodedPacket> {
    return command(this.conn, cmd, payload);
  }

  private async option(name: string): Promise<string> {
    try {
      return c.parseOptionReply((await this.cmd(CMD.optionsRrq, c.optionReadPayload(name))).payload).value;
    } catch (err) {
      // §5.2: an unknown option name is answered with ACK_ERROR; show it (or an unsupported read) as empty.
      if (err instanceof ZkRejectedError && (err.replyCode === REPLY.ackError || err.replyCode === REPLY.ackUnknown)) return "";
      throw err;
    }
  }

  private async sizes(): Promise<ZkFreeSizes> {
    return c.decodeFreeSizes((await this.cmd(CMD.getFreeSizes)).payload);
  }

  private async time(): Promise<ZkDateTime> {
    return c.decodeZkTime(c.parseU32((await this.cmd(CMD.getTime)).payload));
  }

  private async users(count?: number): Promise<ZkUser[]> {
    const list = await readUsers(this.conn, count ?? (await this.sizes()).users, this.opts);
    if (list.length > 0) this.format = list[0]!.format;
    return list;
  }

  private async writeUser(record: Uint8Array): Promise<void> {
    try {
      await this.cmd(CMD.userWrq, record);
    } catch (err) {
      // A refused write on a full terminal is reported as such.
      if (err instanceof ZkRejectedError) {
        const s = await this.sizes().catch(() => undefined);
        if (s && s.usersCap > 0 && s.users >= s.usersCap) throw new ZkFullError(`Device user capacity reached (${s.users}/${s.usersCap})`);
      }
      throw err;
    }
  }
}
