// A silent agent is offline within seconds (case 5); a second agent with the same token replaces the first once (case 6).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { CMD } from "../../agent/zk/codec";
import type { Simulator } from "../../agent/zk/sim";
import { waitFor } from "../../scripts/lib/api-client";
import { agentStatus } from "../../scripts/lib/registry";
import { spawnAgent, type AgentProcess } from "./harness/agent";
import { startSystem, type System } from "./harness/system";

let sys: System;
let sim: Simulator;
let second: AgentProcess | undefined;
let secondDir: string;

beforeAll(async () => {
  sys = await startSystem({
    site: "vivo",
    gateway: { bindings: { AGENT_SILENCE_MS: "3000" } },
    agentEnv: { ZK_RELAY_PING_INTERVAL_MS: "500" },
    terminals: {
      reloj: { transport: "tcp", timeout: 1, sim: { profile: "tft", users: 5, records: 20, templates: 2, people: [{ userId: "801", name: "Sara", fingers: [2] }] } },
    },
  });
  sim = sys.sims.reloj!;
  secondDir = await mkdtemp(join(tmpdir(), "zk-relay-agent-second-"));
}, 60_000);

afterAll(async () => {
  await second?.stop();
  await sys?.close();
  await rm(secondDir, { recursive: true, force: true });
});

const connects = (a: AgentProcess) => a.logs.filter((l) => l.msg === "connected to gateway").length;

test("a stopped (SIGSTOP) agent shows connected: false with last_seen, and requests fail fast with AGENT_OFFLINE", async () => {
  const agent = sys.agent!;
  expect((await sys.api.get("/devices/reloj/users")).status).toBe(200);
  agent.signal("SIGSTOP");
  try {
    await sys.waitAgent(false, 15_000);
    const site = await agentStatus(sys.api, "vivo");
    expect(site?.connected).toBe(false);
    expect(Date.parse((site as { last_seen?: string }).last_seen ?? "")).not.toBeNaN();
    const started = Date.now();
    const one = await sys.api.get("/devices/reloj/users");
    const all = await sys.api.get("/attendance/all");
    // Both answered without waiting for the silent agent (users.list alone would wait 14 s of budget).
    expect(Date.now() - started).toBeLessThan(5_000);
    expect([one.status, one.body.code]).toEqual([503, "AGENT_OFFLINE"]);
    expect(all.status).toBe(200);
    expect(all.body.errors).toEqual({ reloj: "El agente del sitio 'vivo' no está conectado." });
  } finally {
    agent.signal("SIGCONT");
  }
  await sys.waitAgent(true, 15_000);
  expect((await sys.api.get("/devices/reloj/users")).status).toBe(200);
});

test("a second agent with the same token replaces the first once: no flapping, and the first one's delete still delivers its snapshot", async () => {
  const first = sys.agent!;
  const from = sim.commandLog.length;
  sim.faults.set({ kind: "silence", after: { command: CMD.refreshData } });
  const call = sys.api.del("/devices/reloj/users/801");
  await waitFor("DELETE_USER sent", async () => (sim.commandLog.slice(from).some((e) => e.command === CMD.refreshData) ? true : undefined), {
    timeoutMs: 10_000,
    intervalMs: 5,
  });
  second = spawnAgent(sys.gateway.agentUrl, sys.token, { ZK_RELAY_STATE_DIR: secondDir, ZK_RELAY_PING_INTERVAL_MS: "500", ZK_RELAY_LIVE: "0" });
  await waitFor("the second agent connected", async () => (connects(second!) === 1 ? true : undefined), { timeoutMs: 15_000, intervalMs: 20 });
  await call; // the first agent's socket was closed under it
  sim.faults.set(null);

  // The first agent finishes the delete on the terminal and hands the snapshot over on a courier connection.
  await waitFor("the snapshot of 801", async () => {
    const listed = (await sys.api.get("/devices/reloj/deleted-users")).body.data as Array<{ user_id: string }>;
    return listed.some((d) => d.user_id === "801") ? true : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  await waitFor("the terminal enabled", async () => (sim.state.enabled ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });

  // Over a few seconds nobody takes the site back: one connect each, one clear line from the replaced agent.
  await new Promise((r) => setTimeout(r, 4_000));
  expect(connects(first)).toBe(1);
  expect(connects(second)).toBe(1);
  expect(first.logs.filter((l) => String(l.msg).startsWith("replaced by another agent"))).toHaveLength(1);
  expect((await agentStatus(sys.api, "vivo"))?.connected).toBe(true);
  expect((await sys.api.get("/devices/reloj/users")).status).toBe(200);
});
