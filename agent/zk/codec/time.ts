// Device clock encodings: the u32 "ZK time" with 31-day months (docs/protocol.md §6) and the 6-byte event time (§11.3).
import type { ZkDateTime } from "../types";
import { ZkInvalidInputError, ZkProtocolError } from "../errors";
// The calendar rule lives once, beside the API's date schemas; month lengths come from there, without a Date.
import { daysInMonth } from "../../../shared/calendar";


function isInt(v: unknown, min: number, max: number): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

/** True for a real calendar date/time within 2000…2099 (the range the u32 form can hold). */
export function isValidDateTime(t: ZkDateTime): boolean {
  return (
    isInt(t.year, 2000, 2099) &&
    isInt(t.month, 1, 12) &&
    isInt(t.day, 1, daysInMonth(t.year, t.month)) &&
    isInt(t.hour, 0, 23) &&
    isInt(t.minute, 0, 59) &&
    isInt(t.second, 0, 59)
  );
}

/** "YYYY-MM-DD HH:mm:ss", the way the HTTP API and the CLI show device time. */
export function formatDeviceTime(t: ZkDateTime): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(t.year, 4)}-${p(t.month)}-${p(t.day)} ${p(t.hour)}:${p(t.minute)}:${p(t.second)}`;
}

function assertValid(t: ZkDateTime): void {
  if (!isValidDateTime(t)) throw new ZkInvalidInputError(`Not a device time (2000-2099): ${JSON.stringify(t)}`);
}

/** The u32 ZK time of `t`; throws on dates the device cannot hold. */
export function encodeZkTime(t: ZkDateTime): number {
  assertValid(t);
  const days = ((t.year % 100) * 12 + (t.month - 1)) * 31 + (t.day - 1);
  return days * 86400 + (t.hour * 60 + t.minute) * 60 + t.second;
}

/** Decodes a u32 ZK time; throws ZkProtocolError on impossible dates (e.g. 30 Feb) instead of rolling over (§6). */
export function decodeZkTime(u32: number): ZkDateTime {
  if (!Number.isInteger(u32) || u32 < 0 || u32 > 0xffffffff) throw new ZkProtocolError(`Bad ZK time value ${u32}`);
  let t = u32;
  const second = t % 60;
  t = Math.floor(t / 60);
  const minute = t % 60;
  t = Math.floor(t / 60);
  const hour = t % 24;
  t = Math.floor(t / 24);
  const day = (t % 31) + 1;
  t = Math.floor(t / 31);
  const month = (t % 12) + 1;
  const year = Math.floor(t / 12) + 2000;
  const out = { year, month, day, hour, minute, second };
  // Every field but the year and the day is in range by construction; checking just those two keeps this cheap
  // (it runs once per attendance record) and is the same test as isValidDateTime.
  if (year > 2099 || (day > 28 && day > daysInMonth(year, month))) {
    throw new ZkProtocolError(`Device time ${u32} decodes to an impossible date ${formatDeviceTime(out)}`);
  }
  return out;
}

/** The 6-byte event time `[Y-2000, M, D, h, m, s]`. */
export function encodeEventTime(t: ZkDateTime): Uint8Array {
  assertValid(t);
  return Uint8Array.of(t.year - 2000, t.month, t.day, t.hour, t.minute, t.second);
}

/** Decodes the 6-byte event time; throws on impossible dates. */
export function decodeEventTime(bytes: Uint8Array): ZkDateTime {
  if (bytes.length < 6) throw new ZkProtocolError(`Event time needs 6 bytes, got ${bytes.length}`);
  const out = {
    year: 2000 + bytes[0]!,
    month: bytes[1]!,
    day: bytes[2]!,
    hour: bytes[3]!,
    minute: bytes[4]!,
    second: bytes[5]!,
  };
  if (!isValidDateTime(out)) throw new ZkProtocolError(`Event time is not a real date: ${formatDeviceTime(out)}`);
  return out;
}

/** Parses "YYYY-MM-DD HH:mm:ss" (or with a "T"); throws on anything else or impossible dates. */
export function parseDeviceTime(s: string): ZkDateTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(s.trim());
  if (!m) throw new ZkInvalidInputError(`Expected "YYYY-MM-DD HH:mm:ss", got "${s}"`);
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = { year, month, day, hour, minute, second };
  assertValid(t);
  return t;
}

/** Wall-clock fields of `d`: local time by default (terminals keep local time), UTC when asked. */
export function fromDate(d: Date, utc = false): ZkDateTime {
  return utc
    ? { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() }
    : { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds() };
}

/** A Date whose UTC fields equal the device's wall clock (for arithmetic, not a real instant). */
export function toDateUTC(t: ZkDateTime): Date {
  return new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second));
}
