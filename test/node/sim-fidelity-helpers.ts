// Shared expectations for running the published clients (node-zklib, zkteco-js) against the simulator.
import { createRequire } from "node:module";
import { afterAll, afterEach, beforeAll, expect, vi } from "vitest";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../agent/zk/sim";
import type { ZkAttendance, ZkDateTime, ZkUser } from "../../agent/zk/types";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Any = any;
/** The constructor shape both published clients (and zkteco-js's internal ZUDP) share. */
export type ClientClass = new (ip: string, port: number, timeout: number, inport: number) => Any;

/** The published clients are CommonJS without types; they are only run, never copied (house rules). */
export const requireCjs = createRequire(import.meta.url);

/** What both clients get from `Buffer#toString("ascii")`: bytes up to the first NUL, high bit cleared. */
export function asciiView(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return String.fromCharCode(...(nul < 0 ? bytes : bytes.subarray(0, nul)).map((b) => b & 0x7f));
}

/** The JS clients build local-time Dates from device wall-clock fields. */
export function localDate(t: ZkDateTime): number {
  return new Date(t.year, t.month - 1, t.day, t.hour, t.minute, t.second).getTime();
}

/** The clients log to the console on every connect; keep test output readable. */
export function quietConsole(): void {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
  vi.spyOn(console, "warn").mockImplementation(() => {});
}

/** One simulator for the enclosing describe block, started before its tests and closed after them. */
export function suiteSimulator(options: SimulatorOptions): () => Simulator {
  let sim: Simulator | undefined;
  beforeAll(async () => {
    sim = await startSimulator(options);
  });
  afterAll(() => sim?.close());
  return () => sim!;
}

/**
 * Published-client sockets of one test file. Call at the top level: after each test (even a failed one) every
 * client is disconnected, so no socket outlives its test, and the console spies are restored.
 */
export function publishedClients() {
  const open: Array<() => Promise<unknown>> = [];
  async function closeAll(): Promise<void> {
    for (const close of open.splice(0)) await close().catch(() => {});
  }
  afterEach(async () => {
    await closeAll();
    vi.restoreAllMocks();
  });
  /** A client of `sim` (timeout 5 s) with its socket created; disconnected after the test. */
  async function create(Client: ClientClass, sim: Simulator): Promise<Any> {
    quietConsole();
    const z = new Client("127.0.0.1", sim.port, 5000, 0);
    open.push(() => z.disconnect());
    await z.createSocket();
    return z;
  }
  return { create, closeAll };
}

/** The next command still gets its own reply: no leftover packet of the bulk read shifted the replies (docs/protocol.md §7.7). */
export async function expectInSync(z: Any, firmware: string): Promise<void> {
  const reply: Buffer = await z.executeCmd(1100, "");
  expect([reply.readUInt16LE(0), reply.subarray(8).toString("latin1")]).toEqual([2000, `${firmware}\0`]);
}

/** `rows` has exactly `count` rows, and `check` passes for row i against stored row i. */
export function expectEachRow<W>(rows: Any[], count: number, stored: readonly W[], check: (row: Any, want: W) => void): void {
  expect(rows).toHaveLength(count);
  rows.forEach((r, i) => check(r, stored[i]!));
}

/** How both clients decode a 72-byte user record (tft, §8.6). */
export function tftUserRow(w: ZkUser): object {
  return { uid: w.uid, role: w.privilege, password: w.password, name: asciiView(w.raw.subarray(11, 35)), cardno: w.card, userId: w.userId };
}

/** How both clients decode a 28-byte user record (zk6, §8.6): no password or card, a numeric user id. */
export function zk6UserRow(w: ZkUser): object {
  return { uid: w.uid, role: w.privilege, name: asciiView(w.raw.subarray(8, 16)), userId: Number(w.userId) };
}

/** Subscribes to realtime logs, lets the subscription reach the simulator, emits `rec`; the first log and the record. */
export async function realtimePunch(z: Any, sim: Simulator, rec: Partial<ZkAttendance>): Promise<{ log: Any; rec: ZkAttendance }> {
  const got = new Promise<Any>((resolve) => z.getRealTimeLogs(resolve));
  await new Promise((r) => setTimeout(r, 50));
  const emitted = sim.emitAttendance(rec)!;
  return { log: await got, rec: emitted };
}
