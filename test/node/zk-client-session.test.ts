// Bounded waits around a session: the redial that re-enables a terminal (dialling itself: zk-client-dial.test.ts).
import { afterEach, describe, expect, test } from "vitest";
import { codec, withZkSession } from "../../agent/zk";
import { HOST, plainAnswer, scriptedTcpDevice } from "./zk-client-helpers";

const { CMD } = codec;
const devices: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.close()));
});

describe("re-enable after a dead session", () => {
  test("the redial keeps to its whole budget however slow each packet may be", async () => {
    // First connection: a terminal that is disabled, then resets the socket. Every later one: accepted, never answered.
    const device = await scriptedTcpDevice((req, conn) => {
      if (conn > 1) return undefined;
      if (req.command === CMD.getTime) return "reset";
      return plainAnswer(req);
    });
    devices.push(device);
    // A long per-packet timeout, so "gave up at the budget" has a generous bound that a loaded CI still meets.
    const opts = { host: HOST, port: device.port, transport: "tcp" as const, timeoutMs: 10_000 };
    const t0 = performance.now();
    const err = await withZkSession(opts, (s) => s.getTime(), { disable: true, reenableBudgetMs: 300 }).catch((e: unknown) => e);
    const ms = performance.now() - t0;
    expect(err).toMatchObject({ code: "DEVICE_DISCONNECTED" });
    // It did redial, and gave up at the budget: well before even one per-packet timeout of the new session.
    expect(device.connections()).toBeGreaterThanOrEqual(2);
    expect(ms).toBeLessThan(5_000);
    expect(device.requests.filter((r) => r.command === CMD.enableDevice)).toHaveLength(0);
  });

  test("within the budget the redial does send ENABLEDEVICE", async () => {
    const device = await scriptedTcpDevice((req, conn) => {
      if (conn === 1 && req.command === CMD.getTime) return "reset";
      return plainAnswer(req);
    });
    devices.push(device);
    // A long per-packet timeout, so "gave up at the budget" has a generous bound that a loaded CI still meets.
    const opts = { host: HOST, port: device.port, transport: "tcp" as const, timeoutMs: 10_000 };
    await expect(withZkSession(opts, (s) => s.getTime(), { disable: true })).rejects.toMatchObject({ code: "DEVICE_DISCONNECTED" });
    const enable = device.requests.find((r) => r.command === CMD.enableDevice);
    expect(enable).toBeDefined();
    expect(device.connections()).toBe(2);
  });
});
