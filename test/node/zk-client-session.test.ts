// Bounded waits around a session: the UDP connect (DNS included) and the redial that re-enables a terminal.
import { afterEach, describe, expect, test } from "vitest";
import { codec, withZkSession } from "../../agent/zk";
import { openUdp, type UdpLookup } from "../../agent/zk/client/transport-udp";
import { HOST, plainAnswer, scriptedTcpDevice } from "./zk-client-helpers";

const { CMD } = codec;
const devices: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.close()));
});

describe("UDP connect", () => {
  test("a name lookup that never answers → DEVICE_UNREACHABLE after the timeout, not a hang", async () => {
    const calls: string[] = [];
    const hanging: UdpLookup = (hostname: string) => void calls.push(hostname);
    const t0 = performance.now();
    await expect(openUdp(HOST, 4370, 150, hanging)).rejects.toMatchObject({
      code: "DEVICE_UNREACHABLE",
      message: `Connection timeout to device ${HOST}:4370`,
      cause: expect.objectContaining({ message: expect.stringMatching(/UDP connect timed out after 150 ms/) }),
    });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(calls.length).toBeGreaterThan(0);
  });

  test("a lookup that fails → DEVICE_UNREACHABLE at once", async () => {
    const failing: UdpLookup = (_hostname, _opts, cb) =>
      void setImmediate(() => cb(Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }), "", 0));
    await expect(openUdp(HOST, 4370, 5000, failing)).rejects.toMatchObject({ code: "DEVICE_UNREACHABLE" });
  });
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
    const opts = { host: HOST, port: device.port, transport: "tcp" as const, timeoutMs: 1000 };
    const t0 = performance.now();
    const err = await withZkSession(opts, (s) => s.getTime(), { disable: true, reenableBudgetMs: 300 }).catch((e: unknown) => e);
    const ms = performance.now() - t0;
    expect(err).toMatchObject({ code: "DEVICE_DISCONNECTED" });
    // It did redial, and gave up at the budget: well before even one per-packet timeout of the new session.
    expect(device.connections()).toBeGreaterThanOrEqual(2);
    expect(ms).toBeLessThan(900);
    expect(device.requests.filter((r) => r.command === CMD.enableDevice)).toHaveLength(0);
  });

  test("within the budget the redial does send ENABLEDEVICE", async () => {
    const device = await scriptedTcpDevice((req, conn) => {
      if (conn === 1 && req.command === CMD.getTime) return "reset";
      return plainAnswer(req);
    });
    devices.push(device);
    const opts = { host: HOST, port: device.port, transport: "tcp" as const, timeoutMs: 1000 };
    await expect(withZkSession(opts, (s) => s.getTime(), { disable: true })).rejects.toMatchObject({ code: "DEVICE_DISCONNECTED" });
    const enable = device.requests.find((r) => r.command === CMD.enableDevice);
    expect(enable).toBeDefined();
    expect(device.connections()).toBe(2);
  });
});
