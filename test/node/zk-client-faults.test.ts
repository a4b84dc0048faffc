// Every simulator fault gives its clear error within the timeout, and withZkSession leaves the terminal enabled.
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { codec, connectZk, withZkSession, type ZkClient, type ZkClientConnectOptions } from "../../agent/zk";
import { DEFAULT_CHUNK } from "../../agent/zk/client";
import type { Fault, Simulator } from "../../agent/zk/sim";
import { HOST, simulatorPool } from "./zk-client-helpers";

const { CMD } = codec;
const TIMEOUT = 250;
/** Per-packet timeout of the tests that prove a failure comes without waiting for one. */
const AT_ONCE_TIMEOUT = 10_000;
const pool = simulatorPool();
afterEach(() => pool.closeAll());
afterAll(() => pool.closeAll());

function options(sim: Simulator, transport: "tcp" | "udp", extra: Partial<ZkClientConnectOptions> = {}): ZkClientConnectOptions {
  return { host: HOST, port: sim.port, transport, timeoutMs: TIMEOUT, ...extra };
}

/** Runs getUsers in a disabling session with `fault` armed after the session is up; returns the error. */
async function failingRead(
  sim: Simulator,
  transport: "tcp" | "udp",
  fault: Fault,
  extra: Partial<ZkClientConnectOptions> = {},
): Promise<{ err: unknown; ms: number }> {
  const t0 = performance.now();
  const err = await withZkSession(
    options(sim, transport, extra),
    async (s) => {
      expect(sim.state.enabled).toBe(false);
      sim.faults.set(fault);
      return s.getUsers();
    },
    { disable: true },
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err, ms: performance.now() - t0 };
}

async function settled(sim: Simulator): Promise<void> {
  await expect.poll(() => sim.state.sessions).toBe(0);
  expect(sim.state.enabled).toBe(true);
}

describe.each(["tcp", "udp"] as const)("faults over %s", (transport) => {
  test("silence on the bulk read → DEVICE_TIMEOUT, terminal enabled again", async () => {
    const sim = await pool.start({ profile: "tft", users: 3000 });
    const { err, ms } = await failingRead(sim, transport, { kind: "silence", after: { command: CMD.prepareBuffer }, once: true });
    expect(err).toMatchObject({ code: "DEVICE_TIMEOUT", name: "ZkTimeoutError" });
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT - 5);
    await settled(sim);
  });

  test("silence from the first packet → DEVICE_UNREACHABLE with the seed's message", async () => {
    const sim = await pool.start({ profile: "tft" });
    sim.faults.set({ kind: "silence" });
    await expect(connectZk(options(sim, transport))).rejects.toMatchObject({
      code: "DEVICE_UNREACHABLE",
      message: `Connection timeout to device ${HOST}:${sim.port}`,
    });
  });

  test("silence on one chunk is retried and the read completes", async () => {
    const sim = await pool.start({ profile: "tft", users: 3000 });
    const users = await withZkSession(options(sim, transport), async (s) => {
      sim.faults.set({ kind: "silence", after: { command: CMD.readBuffer }, once: true });
      return s.getUsers();
    });
    expect(users).toHaveLength(3000);
    // One READ_BUFFER per chunk of the 216 004-byte buffer, plus the retried one.
    const chunks = Math.ceil((3000 * 72 + 4) / DEFAULT_CHUNK);
    expect(sim.commandLog.filter((e) => e.command === CMD.readBuffer).length).toBeGreaterThan(chunks);
  });

  test("corrupt checksums are counted and the replies kept by default (docs/protocol.md §2.2): the read completes", async () => {
    const sim = await pool.start({ profile: "tft", users: 3000 });
    const users = await withZkSession(options(sim, transport), async (s) => {
      sim.faults.set({ kind: "corrupt-checksum", after: { command: CMD.getFreeSizes } });
      const list = await s.getUsers();
      expect((s as ZkClient).badChecksums).toBeGreaterThan(2);
      return list;
    });
    expect(users.map((u) => u.userId)).toEqual(sim.state.users().map((u) => u.userId));
  });

  test("strictChecksum: a corrupt checksum → PROTOCOL_ERROR at once, terminal enabled again", async () => {
    const sim = await pool.start({ profile: "tft", users: 10 });
    const fault = { kind: "corrupt-checksum", after: { command: CMD.getFreeSizes }, once: true } as const;
    // A long per-packet timeout: "at once" is then a generous bound (half of it), not a race with a loaded CI.
    const { err, ms } = await failingRead(sim, transport, fault, { strictChecksum: true, timeoutMs: AT_ONCE_TIMEOUT });
    expect(err).toMatchObject({ code: "PROTOCOL_ERROR", message: expect.stringMatching(/checksum/) });
    expect(ms).toBeLessThan(AT_ONCE_TIMEOUT / 2);
    await settled(sim);
  });

  test("a terminal that stops answering mid-session is re-enabled through a new session", async () => {
    const sim = await pool.start({ profile: "tft", users: 3000 });
    // Silence drops requests before the terminal acts on them: the old session's ENABLE never takes effect.
    const run = failingRead(sim, transport, { kind: "silence", after: { command: CMD.prepareBuffer } });
    await expect.poll(() => sim.commandLog.filter((e) => e.command === CMD.enableDevice).length, { interval: 5 }).toBe(1);
    expect(sim.state.enabled).toBe(false);
    sim.faults.set(null); // the terminal answers again, as after a network hiccup
    const { err } = await run;
    expect(err).toMatchObject({ code: "DEVICE_TIMEOUT" });
    expect(sim.state.enabled).toBe(true);
    const enables = sim.commandLog.filter((e) => e.command === CMD.enableDevice);
    expect(enables).toHaveLength(2);
    expect(enables[1]!.sessionId).not.toBe(enables[0]!.sessionId);
    expect(sim.commandLog.filter((e) => e.command === CMD.connect)).toHaveLength(2);
  });

  test("garbage instead of a reply → a clear error at once on TCP, a lost reply on UDP; terminal enabled again", async () => {
    const sim = await pool.start({ profile: "tft", users: 10 });
    const { err } = await failingRead(sim, transport, { kind: "garbage", after: { command: CMD.getFreeSizes }, once: true });
    // TCP: not even a frame, the stream is lost. UDP: a datagram with a bad checksum and a random reply id is kept
    // (§2.2) but matches no request, so it is a reply that never came.
    expect(err).toMatchObject({ code: transport === "tcp" ? "PROTOCOL_ERROR" : "DEVICE_TIMEOUT" });
    await settled(sim);
  });

  test("strictChecksum: garbage → PROTOCOL_ERROR at once", async () => {
    const sim = await pool.start({ profile: "tft", users: 10 });
    const fault = { kind: "garbage", after: { command: CMD.getFreeSizes }, once: true } as const;
    const { err, ms } = await failingRead(sim, transport, fault, { strictChecksum: true, timeoutMs: AT_ONCE_TIMEOUT });
    expect(err).toMatchObject({ code: "PROTOCOL_ERROR" });
    expect(ms).toBeLessThan(AT_ONCE_TIMEOUT / 2);
    await settled(sim);
  });
});

describe("connection reset mid-transfer", () => {
  test("TCP: DEVICE_DISCONNECTED, then a brief reconnect re-enables the terminal", async () => {
    const sim = await pool.start({ profile: "tft", users: 3000 });
    const { err } = await failingRead(sim, "tcp", { kind: "reset-mid-transfer" });
    expect(err).toMatchObject({ code: "DEVICE_DISCONNECTED", name: "ZkDisconnectedError" });
    await settled(sim);
    // Two sessions: the one that died and the one that only re-enabled.
    const enables = sim.commandLog.filter((e) => e.command === CMD.enableDevice);
    expect(enables).toHaveLength(1);
    expect(sim.commandLog.filter((e) => e.command === CMD.connect).length).toBeGreaterThanOrEqual(2);
  });

  test("UDP: lost datagrams on every try → DEVICE_TIMEOUT after the chunk retries, terminal enabled", async () => {
    const sim = await pool.start({ profile: "tft", users: 3000 });
    const { err } = await failingRead(sim, "udp", { kind: "reset-mid-transfer" });
    expect(err).toMatchObject({ code: "DEVICE_TIMEOUT" });
    // First attempt + 3 retries of the same chunk.
    expect(sim.commandLog.filter((e) => e.command === CMD.readBuffer)).toHaveLength(4);
    await settled(sim);
  });

  test("UDP: one cut transfer is retried and the read completes", async () => {
    const sim = await pool.start({ profile: "zk6", users: 3000 });
    const users = await withZkSession(options(sim, "udp"), async (s) => {
      sim.faults.set({ kind: "reset-mid-transfer", once: true });
      return s.getUsers();
    });
    expect(users.map((u) => u.uid)).toEqual(sim.state.users().map((u) => u.uid));
  });
});

describe("withZkSession", () => {
  test("returns fn's value; enables only what it disabled", async () => {
    const sim = await pool.start({ profile: "tft", users: 4 });
    expect(await withZkSession(options(sim, "tcp"), async (s) => (await s.getUsers()).length, { disable: true })).toBe(4);
    await settled(sim);
    const before = sim.commandLog.length;
    await withZkSession(options(sim, "tcp"), (s) => s.getTime());
    const cmds = sim.commandLog.slice(before).map((e) => e.command);
    expect(cmds).not.toContain(CMD.disableDevice);
    expect(cmds).not.toContain(CMD.enableDevice);
  });

  test("fn throwing its own error: that error comes out, terminal enabled, session closed", async () => {
    const sim = await pool.start({ profile: "zk6", users: 4 });
    const boom = new Error("operation failed");
    await expect(withZkSession(options(sim, "udp"), async () => Promise.reject(boom), { disable: true })).rejects.toBe(boom);
    await settled(sim);
  });

  test("fn that closes the session itself: a new session re-enables the terminal", async () => {
    const sim = await pool.start({ profile: "tft" });
    await withZkSession(options(sim, "tcp"), (s) => s.close(), { disable: true });
    await settled(sim);
  });

  test("wrong comm key: DEVICE_AUTH_FAILED and nothing disabled", async () => {
    const sim = await pool.start({ profile: "tft", commKey: 99 });
    await expect(withZkSession({ ...options(sim, "tcp"), commKey: 98 }, (s) => s.getUsers(), { disable: true })).rejects.toMatchObject({
      code: "DEVICE_AUTH_FAILED",
    });
    expect(sim.commandLog.map((e) => e.command)).not.toContain(CMD.disableDevice);
    await settled(sim);
  });
});
