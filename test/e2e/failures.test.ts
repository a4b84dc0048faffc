// Failure modes through the real stack: agent killed mid-request, gateway restarted, silent or resetting terminals, a hostile agent socket.
import { afterAll, beforeAll, expect, test } from "vitest";
import WebSocket from "ws";
import { CMD } from "../../agent/zk/codec";
import type { Simulator } from "../../agent/zk/sim";
import { RequestFrame } from "../../shared/relay";
import { waitFor } from "../../scripts/lib/api-client";
import { ensureSite, upsertDevice } from "../../scripts/lib/registry";
import { envelopeProblem } from "./harness/envelope";
import { startSystem, type System } from "./harness/system";

let sys: System;
let lento: Simulator;
let mudo: Simulator;

beforeAll(async () => {
  sys = await startSystem({
    site: "planta",
    terminals: {
      // Every reply delayed: a request is reliably still running when the agent dies.
      lento: { transport: "tcp", sim: { profile: "tft", users: 10, records: 20, templates: 5, latencyMs: 150 } },
      rapido: { transport: "udp", sim: { profile: "zk6", users: 10, records: 20, templates: 5, commKey: 77 } },
      // 100 users = 7,204 bytes: read with the buffered flow (PREPARE_BUFFER, READ_BUFFER), so a fault can hit mid-transfer.
      mudo: { transport: "tcp", timeout: 0.5, sim: { profile: "tft", users: 100, records: 20, templates: 5 } },
    },
  });
  ({ lento, mudo } = sys.sims as Record<string, Simulator>);
}, 60_000);

afterAll(async () => {
  await sys?.close();
});

const allEnabled = () => Object.values(sys.sims).every((s) => s.state.enabled);

test("agent killed (SIGKILL) mid-request: the caller gets 503 AGENT_OFFLINE at once, and so does the next caller", async () => {
  const agent = sys.agent!;
  const logStart = lento.commandLog.length;
  const inFlight = sys.api.get("/devices/lento/users").then((answer) => ({ answer, at: Date.now() }));
  await waitFor("the terminal to see the request", async () => (lento.commandLog.length > logStart ? true : undefined), {
    intervalMs: 5,
  });
  const killedAt = Date.now();
  await agent.kill();

  const { answer, at } = await inFlight;
  expect(answer.status).toBe(503);
  expect(answer.body).toMatchObject({ success: false, code: "AGENT_OFFLINE", error: "El agente del sitio 'planta' no está conectado." });
  expect(envelopeProblem(answer)).toBeUndefined();
  expect(at - killedAt).toBeLessThan(5000); // generous bound: the socket close fails pending requests, no deadline wait

  const next = await sys.api.get("/devices/rapido/time", { headers: { "Accept-Language": "en" } });
  expect(next.status).toBe(503);
  expect(next.body).toEqual({ success: false, error: "The agent of site 'planta' is not connected.", code: "AGENT_OFFLINE" });
  await sys.waitAgent(false);
});

test("after the agent restarts, requests succeed and no terminal is left disabled", async () => {
  await sys.startAgent();
  const users = await sys.api.get("/devices/lento/users");
  expect(users.status).toBe(200);
  expect(users.body.data).toHaveLength(10);
  for (const device of ["rapido", "mudo"]) expect((await sys.api.get(`/devices/${device}/time`)).status).toBe(200);
  expect(allEnabled()).toBe(true);
});

test("gateway restarted under a connected agent: the agent redials by itself and requests succeed again", async () => {
  const agent = sys.agent!;
  expect((await sys.api.get("/devices/rapido/users")).status).toBe(200);
  await sys.gateway.restart();
  await sys.waitAgent(true, 20_000); // backoff starts at ~1 s and doubles: a few attempts at most
  const answer = await sys.api.get("/devices/rapido/users");
  expect(answer.status).toBe(200);
  expect(answer.body.data).toHaveLength(10);
  // The same process reconnected: not restarted by anyone.
  const state = await Promise.race([agent.exited.then(() => "exited"), new Promise((r) => setTimeout(() => r("running"), 50))]);
  expect(state).toBe("running");
  expect(sys.agent!.pid).toBe(agent.pid);
  // Registry data survived the restart (persisted D1).
  expect((await sys.api.get("/devices")).body.data.map((d: { id: string }) => d.id)).toEqual(["lento", "mudo", "rapido"]);
});

// Reads do not disable the terminal; a delete does (the seed's flow), so the faults hit a delete mid-transfer.
test("a terminal that goes silent mid-transfer of a delete: DEVICE_TIMEOUT, and the terminal is enabled afterwards", async () => {
  const victim = mudo.state.users()[5]!.userId;
  mudo.faults.set({ kind: "silence", after: { command: CMD.readBuffer } });
  const answer = await sys.api.del(`/devices/mudo/users/${victim}`);
  mudo.faults.set(null);
  expect(answer.status).toBe(500);
  expect(answer.body).toMatchObject({ success: false, code: "DEVICE_TIMEOUT" });
  expect(answer.body.error).toBe("El dispositivo 'mudo' dejó de responder a mitad de un comando.");
  expect(mudo.state.users().map((u) => u.userId)).toContain(victim);
  // The terminal is reachable again: whatever the next request is, the terminal must not stay locked.
  const after = await sys.api.get("/devices/mudo/users");
  expect(after.status).toBe(200);
  expect(after.body.data).toHaveLength(100);
  expect(mudo.state.enabled).toBe(true);
});

test("a terminal that resets the connection mid-transfer of a delete: DEVICE_DISCONNECTED, re-enabled before the answer", async () => {
  const victim = mudo.state.users()[6]!.userId;
  mudo.setEnabled(true);
  mudo.faults.set({ kind: "reset-mid-transfer" });
  const logStart = mudo.commandLog.length;
  const answer = await sys.api.del(`/devices/mudo/users/${victim}`);
  mudo.faults.set(null);
  expect(answer.status).toBe(500);
  expect(answer.body).toMatchObject({ success: false, code: "DEVICE_DISCONNECTED" });
  expect(envelopeProblem(answer)).toBeUndefined();
  expect(mudo.state.users().map((u) => u.userId)).toContain(victim);
  // docs/architecture.md §4: the agent redialed just to re-enable the terminal, and only then answered.
  const cmds = mudo.commandLog.slice(logStart).map((e) => e.command);
  expect(cmds).toContain(CMD.disableDevice);
  expect(cmds.filter((c) => c === CMD.connect)).toHaveLength(2);
  expect(cmds.at(-1) === CMD.exit || cmds.includes(CMD.enableDevice)).toBe(true);
  expect(mudo.state.enabled).toBe(true);
  expect((await sys.api.get("/devices/mudo/time")).status).toBe(200);
});

test("malformed relay frames from an agent socket are dropped; the gateway keeps serving", async () => {
  const token = await ensureSite(sys.api, "falso", "Fake agent site");
  await upsertDevice(sys.api, { id: "fantasma", ip: "127.0.0.1", port: 4370, transport: "tcp", site: "falso", timeout: 2 });
  const ws = new WebSocket(sys.gateway.agentUrl, { headers: { Authorization: `Bearer ${token}` } });
  const closed: { code?: number } = {};
  ws.on("close", (code) => (closed.code = code));
  const requests: unknown[] = [];
  ws.on("message", (data, isBinary) => {
    if (isBinary) return;
    const frame = JSON.parse(data.toString()) as { type?: string };
    if (frame.type === "request") requests.push(frame);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  try {
    const hello = { v: 1, type: "hello", agent: { version: "9.9.9", hostname: "fake", capabilities: [] } };
    const junk: Array<string | Buffer> = [
      "this is not json",
      Buffer.from([0xde, 0xad, 0xbe, 0xef]),
      "",
      "{}",
      "null",
      "42",
      '"a string"',
      "[".repeat(5000) + "]".repeat(5000),
      JSON.stringify("x".repeat(1 << 20)),
      JSON.stringify({ ...hello, v: 2 }),
      JSON.stringify({ v: 1, type: "nonsense" }),
      JSON.stringify({ v: 1, type: "response", id: "00000000-0000-4000-8000-000000000000", ok: true, result: {} }),
      JSON.stringify({ v: 1, type: "request", id: crypto.randomUUID(), op: "users.list", device: {}, args: {}, deadline: 0 }),
      '{"__proto__":{"polluted":true},"v":1,"type":"hello"}',
      JSON.stringify({ v: 1, type: "response", id: 7, ok: false, error: { code: 5, message: null } }),
    ];
    for (const frame of junk) ws.send(frame);
    ws.send(JSON.stringify(hello));
    await sys.waitAgent(true); // the real site's agent is untouched
    const pending = sys.api.get("/devices/fantasma/time");
    const request = await waitFor("the relayed request", async () => requests[0], { intervalMs: 10 });
    const parsed = RequestFrame.parse(request);
    expect(parsed).toMatchObject({ op: "time.get", device: { id: "fantasma", ip: "127.0.0.1", port: 4370, transport: "tcp" } });
    // A malformed answer to a real request is dropped too; the valid one after it completes the call.
    ws.send(JSON.stringify({ v: 1, type: "response", id: parsed.id }));
    ws.send(JSON.stringify({ v: 1, type: "response", id: parsed.id, ok: true, result: { time: "2026-01-02 03:04:05" } }));
    const answer = await pending;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true, data: { time: "2026-01-02 03:04:05" } });
    expect(closed.code).toBeUndefined();
    expect(ws.readyState).toBe(WebSocket.OPEN);
    // And the real site still works.
    expect((await sys.api.get("/devices/rapido/time")).status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  } finally {
    ws.terminate();
    await sys.api.del("/devices/fantasma");
  }
});

test("after all of that, no terminal is left disabled and each answers", async () => {
  for (const device of ["lento", "rapido", "mudo"]) {
    const answer = await sys.api.get(`/devices/${device}/info`);
    expect({ device, status: answer.status }).toEqual({ device, status: 200 });
  }
  expect(allEnabled()).toBe(true);
  // Sessions are closed (EXIT sent) once nobody waits for the terminal.
  await waitFor("every terminal session to close", async () =>
    Object.values(sys.sims).every((s) => s.state.sessions === 0) ? true : undefined,
  { timeoutMs: 5000 });
});
