// Shared expectations for running the published clients (node-zklib, zkteco-js) against the simulator.
import { createRequire } from "node:module";
import { vi } from "vitest";
import type { ZkDateTime } from "../../agent/zk/types";

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
