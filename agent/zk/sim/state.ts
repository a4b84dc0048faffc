// The simulated terminal's memory: raw user records, attendance, templates, enabled flag, clock, options.
import type { ZkAttendance, ZkDateTime, ZkTemplate, ZkUser } from "../types";
import {
  decodeUser28,
  decodeUser72,
  encodeAttendanceTable,
  encodeFreeSizes,
  encodeTemplateTable,
  encodeUserTable,
  fromDate,
  toDateUTC,
} from "../codec";
import { defaultDeviceOptions } from "./device-options";
import type { ResolvedOptions } from "./options";

/** Capacities a fresh terminal reports; raised to the loaded data when that is bigger. */
const CAPS = { tft: { users: 10_000, fingers: 10_000, records: 200_000 }, zk6: { users: 3_000, fingers: 3_000, records: 50_000 } };

export class DeviceState {
  readonly userSize: 28 | 72;
  readonly attendanceSize: 8 | 16 | 40;
  readonly options: Map<string, string>;
  readonly caps: { users: number; fingers: number; records: number };
  /** DELETE_USER keeps the templates (firmware that does not remove them). */
  private readonly deleteKeepsTemplates: boolean;
  enabled = true;
  /** CMD_STATE_RRQ value (docs/protocol.md §5.4): 0 waiting. */
  machineState = 0;
  /** Epoch ms until which the terminal is booting after a RESTART: it answers nothing and accepts no connection. */
  rebootingUntil = 0;

  get rebooting(): boolean {
    return Date.now() < this.rebootingUntil;
  }
  badChecksums = 0;
  private records: Uint8Array[] = [];
  private uidSlot = new Map<number, number>();
  private logs: ZkAttendance[] = [];
  private fingers: ZkTemplate[] = [];
  private clockOffsetMs = 0;
  private reenableTimer: NodeJS.Timeout | undefined;
  // Served tables are cached until the next change, so a benchmark's repeated reads cost nothing to build.
  private cache: { users?: Uint8Array; attendance?: Uint8Array; templates?: Uint8Array } = {};

  constructor(opts: ResolvedOptions) {
    this.userSize = opts.userSize;
    this.attendanceSize = opts.attendanceSize;
    this.options = defaultDeviceOptions(opts.profile, opts.serial, opts.seed, opts.host);
    for (const [name, value] of Object.entries(opts.deviceOptions)) {
      if (value === null) this.options.delete(name);
      else this.options.set(name, value);
    }
    this.caps = { ...CAPS[opts.profile] };
    this.deleteKeepsTemplates = opts.deleteUserKeepsTemplates;
  }

  get serial(): string {
    return this.options.get("~SerialNumber") ?? "";
  }

  // ---- users (raw records in the profile's size, docs/protocol.md §8.3/§8.4: stored verbatim) ----

  get userCount(): number {
    return this.records.length;
  }
  userRecords(): readonly Uint8Array[] {
    return this.records;
  }
  users(): ZkUser[] {
    return this.records.map((r) => (r.length === 72 ? decodeUser72(r) : decodeUser28(r)));
  }
  hasUid(uid: number): boolean {
    return this.uidSlot.has(uid);
  }
  userRecord(uid: number): Uint8Array | undefined {
    const slot = this.uidSlot.get(uid);
    return slot === undefined ? undefined : this.records[slot];
  }
  /** uid of the user with this user_id, if any. */
  uidOfUserId(userId: string): number | undefined {
    for (const u of this.users()) if (u.userId === userId) return u.uid;
    return undefined;
  }
  /** Upsert by uid (§8.1). The record must already be in the profile's size. */
  putUser(raw: Uint8Array): void {
    if (raw.length !== this.userSize) throw new Error(`user record must be ${this.userSize} bytes`);
    const uid = raw[0]! | (raw[1]! << 8);
    const slot = this.uidSlot.get(uid);
    if (slot === undefined) {
      this.uidSlot.set(uid, this.records.length);
      this.records.push(raw.slice());
    } else this.records[slot] = raw.slice();
    this.cache.users = undefined;
  }
  /** Removes the user and their templates (said to happen on real devices, §8.9; unless deleteUserKeepsTemplates); attendance stays. */
  deleteUser(uid: number): boolean {
    if (!this.uidSlot.has(uid)) return false;
    this.records = this.records.filter((r) => (r[0]! | (r[1]! << 8)) !== uid);
    this.reindex();
    if (!this.deleteKeepsTemplates) this.fingers = this.fingers.filter((t) => t.uid !== uid);
    this.cache = { attendance: this.cache.attendance };
    return true;
  }
  /** CMD_CLEAR_ADMIN: every privilege back to 0 (byte 2 in both layouts). */
  clearAdmins(): void {
    for (const r of this.records) r[2] = 0;
    this.cache.users = undefined;
  }
  private reindex(): void {
    this.uidSlot = new Map(this.records.map((r, i) => [r[0]! | (r[1]! << 8), i]));
  }

  // ---- attendance ----

  get recordCount(): number {
    return this.logs.length;
  }
  attendance(): ZkAttendance[] {
    return this.logs.map((a) => ({ ...a, time: { ...a.time } }));
  }
  addAttendance(rec: ZkAttendance): void {
    this.logs.push({ ...rec, time: { ...rec.time } });
    if (this.logs.length > this.caps.records) this.caps.records = this.logs.length;
    this.cache.attendance = undefined;
  }

  // ---- templates ----

  get templateCount(): number {
    return this.fingers.length;
  }
  templates(): ZkTemplate[] {
    return this.fingers.map((t) => ({ ...t, template: t.template.slice() }));
  }
  template(uid: number, finger: number): ZkTemplate | undefined {
    return this.fingers.find((t) => t.uid === uid && t.finger === finger);
  }
  putTemplate(t: ZkTemplate): void {
    const i = this.fingers.findIndex((x) => x.uid === t.uid && x.finger === t.finger);
    const copy = { ...t, template: t.template.slice() };
    if (i >= 0) this.fingers[i] = copy;
    else this.fingers.push(copy);
    this.cache.templates = undefined;
  }
  deleteTemplate(uid: number, finger: number): boolean {
    const before = this.fingers.length;
    this.fingers = this.fingers.filter((t) => !(t.uid === uid && t.finger === finger));
    this.cache.templates = undefined;
    return this.fingers.length !== before;
  }

  /** CMD_CLEAR_DATA: no table = everything; else 1 attendance, 2 templates, 5 users (§9.4). */
  clear(table?: number): void {
    if (table === undefined || table === 5) {
      this.records = [];
      this.uidSlot.clear();
      this.fingers = [];
    }
    if (table === undefined || table === 1) this.logs = [];
    if (table === 2) this.fingers = [];
    this.cache = {};
  }

  // ---- served tables and counters: built from the same arrays, so they always agree (§5.5, §14 item 6) ----

  userTable(): Uint8Array {
    return (this.cache.users ??= encodeUserTable(this.records));
  }
  attendanceTable(): Uint8Array {
    return (this.cache.attendance ??= encodeAttendanceTable(this.logs, this.attendanceSize));
  }
  templateTable(): Uint8Array {
    return (this.cache.templates ??= encodeTemplateTable(this.fingers));
  }
  freeSizes(form: 80 | 92): Uint8Array {
    let admins = 0;
    let passwords = 0;
    for (const r of this.records) {
      if ((r[2]! & 0x0e) !== 0) admins++;
      if (r[3] !== 0) passwords++; // password field starts at byte 3 in both layouts
    }
    return encodeFreeSizes(
      {
        users: this.records.length,
        fingers: this.fingers.length,
        records: this.logs.length,
        usersCap: this.caps.users,
        fingersCap: this.caps.fingers,
        recordsCap: this.caps.records,
      },
      form,
      { admins, passwords },
    );
  }

  // ---- clock: device wall clock = host local time + offset (terminals have no time zone, §6) ----

  now(): ZkDateTime {
    return fromDate(new Date(Date.now() + this.clockOffsetMs));
  }
  setTime(t: ZkDateTime): void {
    const local = toDateUTC(t);
    const asLocal = new Date(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds());
    this.clockOffsetMs = asLocal.getTime() - Date.now();
  }

  // ---- enabled flag with the optional self re-enable of CMD_DISABLEDEVICE (§4.4) ----

  disable(timeoutSeconds = 0): void {
    this.enabled = false;
    clearTimeout(this.reenableTimer);
    this.reenableTimer = undefined;
    if (timeoutSeconds > 0) {
      this.reenableTimer = setTimeout(() => this.enable(), timeoutSeconds * 1000);
      this.reenableTimer.unref();
    }
  }
  enable(): void {
    this.enabled = true;
    clearTimeout(this.reenableTimer);
    this.reenableTimer = undefined;
  }
  close(): void {
    clearTimeout(this.reenableTimer);
  }

  // ---- the door relay (CMD_UNLOCK, §12): its u32 is a duration in tenths of a second, as pyzk sends it ----

  /** Every CMD_UNLOCK the terminal accepted, oldest first: the duration it was asked for, in tenths of a second. */
  readonly unlocks: { tenths: number; at: number }[] = [];
  /** Epoch ms until which the door strike is released (0: locked). */
  doorOpenUntil = 0;

  unlock(tenths: number): void {
    const at = Date.now();
    this.unlocks.push({ tenths, at });
    this.doorOpenUntil = at + tenths * 100;
  }
  get doorOpen(): boolean {
    return Date.now() < this.doorOpenUntil;
  }
}
