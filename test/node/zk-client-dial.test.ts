// Dialling a terminal by name or address over TCP, UDP and auto: each way it can fail has its own details.reason.
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { connectZk, type ZkClientConnectOptions } from "../../agent/zk";
import { resolveHost, type HostLookup } from "../../agent/zk/client/resolve";
import { closedPort, HOST, silentUdp, simulatorPool } from "./zk-client-helpers";

const sims = simulatorPool();
afterAll(() => sims.closeAll());
const sockets: Array<{ close(): void }> = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

const failing: HostLookup = () => Promise.reject(Object.assign(new Error("getaddrinfo ENOTFOUND bodega.lan"), { code: "ENOTFOUND" }));

async function failure(opts: ZkClientConnectOptions): Promise<unknown> {
  const s = await connectZk(opts).catch((e: unknown) => e);
  if (s && typeof (s as { close?: unknown }).close === "function") {
    await (s as { close(): Promise<void> }).close();
    throw new Error("connected");
  }
  return s;
}

describe("host names", () => {
  test.each(["udp", "tcp", "auto"] as const)("'localhost' over %s reaches the terminal (no dgram 'Port should be > 0' crash)", async (transport) => {
    const sim = await sims.start({ profile: "tft", users: 3 });
    const s = await connectZk({ host: "localhost", port: sim.port, transport, timeoutMs: 2000, lookup: async () => ({ address: HOST, family: 4 }) });
    try {
      expect(s.transport).toBe(transport === "udp" ? "udp" : "tcp");
      expect((await s.getUsers()).length).toBe(3);
    } finally {
      await s.close();
    }
  });

  test("the system resolver is used when none is given ('localhost' over UDP)", async () => {
    const sim = await sims.start({ profile: "zk6", users: 2 });
    const s = await connectZk({ host: "localhost", port: sim.port, transport: "udp", timeoutMs: 2000 });
    try {
      expect((await s.getUsers()).length).toBe(2);
    } finally {
      await s.close();
    }
  });

  test.each(["udp", "tcp", "auto"] as const)("a name that does not resolve over %s → DEVICE_UNREACHABLE, reason dns, the seed's text", async (transport) => {
    const err = await failure({ host: "bodega.lan", port: 4370, transport, timeoutMs: 2000, lookup: failing });
    expect(err).toMatchObject({ code: "DEVICE_UNREACHABLE", message: "Connection timeout to device bodega.lan:4370", details: { reason: "dns" } });
  });

  test("a lookup that never answers → reason dns after the timeout, not a hang", async () => {
    const hanging: HostLookup = () => new Promise(() => {});
    const t0 = performance.now();
    const err = await resolveHost("bodega.lan", 4370, 150, hanging).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DEVICE_UNREACHABLE", details: { reason: "dns" }, cause: expect.objectContaining({ message: expect.stringMatching(/150 ms/) }) });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  test("an IP address is not looked up", async () => {
    let calls = 0;
    expect(await resolveHost(HOST, 4370, 100, async () => (calls++, { address: "::1", family: 6 }))).toBe(HOST);
    expect(calls).toBe(0);
  });
});

describe("refused and timeout", () => {
  test("TCP to a closed port → reason refused", async () => {
    const port = await closedPort();
    expect(await failure({ host: HOST, port, transport: "tcp", timeoutMs: 2000 })).toMatchObject({
      code: "DEVICE_UNREACHABLE",
      message: `Connection timeout to device ${HOST}:${port}`,
      details: { reason: "refused" },
    });
  });

  test("UDP to a closed port (ICMP port unreachable) → reason refused", async () => {
    const port = await closedPort();
    expect(await failure({ host: HOST, port, transport: "udp", timeoutMs: 2000 })).toMatchObject({ code: "DEVICE_UNREACHABLE", details: { reason: "refused" } });
  });

  test("UDP to a port that never answers → reason timeout", async () => {
    const silent = await silentUdp();
    sockets.push(silent.socket);
    expect(await failure({ host: HOST, port: silent.port, transport: "udp", timeoutMs: 200 })).toMatchObject({
      code: "DEVICE_UNREACHABLE",
      details: { reason: "timeout" },
    });
    expect(silent.received()).toBeGreaterThan(0);
  });
});
