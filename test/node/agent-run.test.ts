// The whole agent (`run`): stub gateway + simulator, in process and as a spawned process stopped by SIGTERM.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { rm } from "node:fs/promises";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { OP_NAMES, OPS } from "../../shared/ops";
import { runAgentCli, agentVersion } from "../../agent/cli/run";
import type { RelayLink } from "../../agent/relay/link";
import { CMD } from "../../agent/zk/codec";
import { requestFrame, startGatewayStub, type GatewayStub } from "./agent-gateway-stub";
import { closedPort, HOST, simTarget, simulators } from "./agent-sim-helpers";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TOKEN = "zkr_site_0123456789abcdef";
const COMM_KEY = 987654;
// Never the user's own state dir: a delete here would leave an unacknowledged outbox entry there.
const stateDirs: string[] = [];
const stateDir = () => {
  stateDirs.push(join(tmpdir(), `zk-relay-agent-run-test-${process.pid}-${stateDirs.length}`));
  return stateDirs.at(-1)!;
};
afterAll(async () => {
  await Promise.all(stateDirs.map((d) => rm(d, { recursive: true, force: true })));
});

const sims = simulators();
let stub: GatewayStub | undefined;
let child: ChildProcess | undefined;

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  child = undefined;
  await stub?.close();
  stub = undefined;
  await sims.closeAll();
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("runAgentCli in process", () => {
  it("says hello with every op, serves requests against a terminal, logs one line per request, stops with 0", async () => {
    stub = await startGatewayStub({ token: TOKEN });
    const sim = await sims.start({ profile: "tft", commKey: COMM_KEY });
    const lines: string[] = [];
    let link: RelayLink | undefined;
    const base = `http://127.0.0.1:${stub.port}/`; // a base URL: /agent/connect is derived
    const running = runAgentCli(["--gateway", base, "--token", TOKEN, "--log-format", "json"], {
      env: { ZK_RELAY_STATE_DIR: stateDir() },
      write: (l) => lines.push(l),
      handleSignals: false,
      onLink: (l) => (link = l),
    });
    const conn = await stub.connection(0);
    expect(await conn.next((f) => f.type === "hello")).toMatchObject({
      agent: { version: agentVersion(), capabilities: OP_NAMES },
    });

    const device = simTarget(sim, { password: COMM_KEY });
    const del = randomUUID();
    conn.send(requestFrame(del, "users.delete", { user_id: "1002" }, { device }));
    const res = await conn.next((f) => f.id === del);
    expect(res.ok).toBe(true);
    expect(() => OPS["users.delete"].result.parse(res.result)).not.toThrow();

    const port = await closedPort();
    const down = randomUUID();
    conn.send(requestFrame(down, "device.ping", {}, { device: { id: "bodega", ip: HOST, port, transport: "tcp", password: COMM_KEY, timeout: 0.5 } }));
    expect(await conn.next((f) => f.id === down)).toMatchObject({
      ok: false,
      error: { code: "DEVICE_UNREACHABLE", message: `Connection timeout to device ${HOST}:${port}` },
    });

    await link!.stop();
    expect(await running).toBe(0);
    expect(await conn.closed).toMatchObject({ code: 1000 });

    const logs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = logs.filter((l) => l.msg === "request");
    expect(requests).toEqual([
      expect.objectContaining({ id: del, op: "users.delete", device: "principal", addr: `${HOST}:${sim.port}`, outcome: "ok" }),
      expect.objectContaining({ id: down, op: "device.ping", device: "bodega", addr: `${HOST}:${port}`, outcome: "error", code: "DEVICE_UNREACHABLE" }),
    ]);
    expect(typeof requests[0]!.duration_ms).toBe("number");
    const all = lines.join("");
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(String(COMM_KEY));
  });

  it("returns 1 after one attempt when the gateway refuses the token", async () => {
    stub = await startGatewayStub({ token: "another-token" });
    const lines: string[] = [];
    const code = await runAgentCli(["--gateway", stub.url, "--token", TOKEN], { env: { ZK_RELAY_STATE_DIR: stateDir() }, write: (l) => lines.push(l), handleSignals: false });
    expect(code).toBe(1);
    expect(stub.upgrades).toBe(1);
    expect(lines.join("")).toContain("HTTP 401");
    expect(lines.join("")).not.toContain(TOKEN);
  });

  it("takes gateway and token from the environment", async () => {
    stub = await startGatewayStub({ token: TOKEN });
    let link: RelayLink | undefined;
    const running = runAgentCli([], {
      env: { ZK_RELAY_GATEWAY: stub.url, ZK_RELAY_TOKEN: TOKEN, ZK_RELAY_STATE_DIR: stateDir() },
      write: () => {},
      handleSignals: false,
      onLink: (l) => (link = l),
    });
    await (await stub.connection(0)).next((f) => f.type === "hello");
    await link!.stop();
    expect(await running).toBe(0);
  });
});

describe("zk-relay-agent run as a process", () => {
  it("SIGTERM during an in-flight request: the response still arrives, the socket closes with 1000, exit code 0", async () => {
    stub = await startGatewayStub({ token: "t" });
    // ~25 packets × 25 ms: the delete is still running when the signal arrives.
    const sim = await sims.start({ profile: "tft", latencyMs: 25 });
    const env = { ...process.env };
    delete env.ZK_RELAY_GATEWAY;
    delete env.ZK_RELAY_TOKEN;
    env.ZK_RELAY_STATE_DIR = stateDir();
    child = spawn(process.execPath, ["bin/zk-relay-agent.mjs", "run", "--gateway", `ws://127.0.0.1:${stub.port}/agent/connect`, "--token", "t"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));

    const conn = await stub.connection(0, 20_000);
    await conn.next((f) => f.type === "hello", 20_000);
    const id = randomUUID();
    conn.send(requestFrame(id, "users.delete", { user_id: "1002" }, { device: simTarget(sim), deadline: Date.now() + 20_000 }));
    await waitFor(() => sim.commandLog.some((c) => c.command === CMD.disableDevice));
    child.kill("SIGTERM");

    const res = await conn.next((f) => f.id === id, 15_000);
    expect(res).toMatchObject({ ok: true, result: { user: { user_id: "1002" } } });
    expect(sim.commandLog.some((c) => c.command === CMD.enableDevice)).toBe(true);
    expect(await conn.closed).toEqual({ code: 1000, reason: "agent shutting down" });
    expect(await exited, stderr).toBe(0);
    expect(sim.state.enabled).toBe(true);
    // The signal was handled while the request was still running: its log line comes after the signal's.
    const signalAt = stdout.indexOf('"msg":"SIGTERM received: stopping"');
    const requestAt = stdout.indexOf('"msg":"request"');
    expect(signalAt).toBeGreaterThanOrEqual(0);
    expect(requestAt).toBeGreaterThan(signalAt);
    expect(stdout).toContain('"msg":"agent stopped"');
  }, 30_000);

  // docs/events.md §4, §6: on the way out each watcher writes its last status to the event outbox; that write must
  // happen even when nothing else keeps the process alive any more, or the agent dies with it pending (exit code 13).
  it.each([["up"], ["gone"]] as const)("SIGTERM with a watched terminal (its session %s): the watcher stops, exit code 0", async (terminal) => {
    stub = await startGatewayStub({ token: "t" });
    const sim = await sims.start({ profile: "tft" });
    const env: NodeJS.ProcessEnv = { ...process.env, ZK_RELAY_STATE_DIR: stateDir(), ZK_RELAY_LIVE_KEEPALIVE_MS: "200", ZK_RELAY_LIVE_BACKOFF_MS: "100" };
    delete env.ZK_RELAY_GATEWAY;
    delete env.ZK_RELAY_TOKEN;
    delete env.ZK_RELAY_LIVE;
    child = spawn(process.execPath, ["bin/zk-relay-agent.mjs", "run", "--gateway", `ws://127.0.0.1:${stub.port}/agent/connect`, "--token", "t"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));

    const conn = await stub.connection(0, 20_000);
    await conn.next((f) => f.type === "hello", 20_000);
    conn.send({ v: 1, type: "watch", devices: [simTarget(sim)] });
    const live = (f: Record<string, unknown>) => f.type === "events" && ((f.status as Array<{ state: string }> | undefined) ?? []).some((st) => st.state === "live");
    await conn.next(live, 10_000);
    if (terminal === "gone") {
      await sims.closeAll(); // the session's socket goes with it: nothing of the terminal holds the agent any more
      await waitFor(() => stdout.includes("live session to terminal down"));
    }
    child.kill("SIGTERM");
    expect(await exited, `${stderr}\n${stdout.split("\n").slice(-5).join("\n")}`).toBe(0);
    expect(stdout).toContain('"msg":"agent stopped"');
  }, 30_000);
});
