// SiteRelay inside workerd: correlation by id, offline and timeout failures, malformed frames, replacement, status.
import { afterEach, describe, expect, test, vi } from "vitest";
import { CodedError } from "../../shared/errors";
import { RELAY_VERSION } from "../../shared/relay";
import { callAgent, MAX_RELAY_MS, relayBudgetMs } from "../../gateway/relay/call-agent";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import type { SiteRelay } from "../../gateway/relay/site-relay";
import { connectAgent, insertSite, relayOf, target, until, type ScriptedAgent } from "./relay-helpers";

const open: ScriptedAgent[] = [];
async function agentFor(site: { token: string }): Promise<ScriptedAgent> {
  const agent = await connectAgent(site);
  open.push(agent);
  return agent;
}
afterEach(() => {
  for (const a of open.splice(0)) {
    try {
      a.close(1000, "test done");
    } catch {
      // already closed by the test
    }
  }
  vi.restoreAllMocks();
});

/** callAgent's failure as a CodedError (fails the test if it resolved). */
async function failure(p: Promise<unknown>): Promise<CodedError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CodedError);
  return e as CodedError;
}

describe("SiteRelay relay()", () => {
  test("no agent connected: AGENT_OFFLINE at once, naming the site", async () => {
    const site = await insertSite();
    const out = await relayOf(site.id).relay("time.get", target(), {}, Date.now() + 60_000);
    expect(out).toEqual({ ok: false, error: { code: "AGENT_OFFLINE", message: `The agent of site '${site.id}' is not connected.` } });
    const e = await failure(callAgent(env, site.id, target(), "time.get", {}));
    expect([e.code, e.status]).toEqual(["AGENT_OFFLINE", 503]);
  });

  test("sends a v1 request frame with a fresh uuid, the device target and an epoch-ms deadline", async () => {
    const site = await insertSite();
    const agent = await agentFor(site);
    const before = Date.now();
    const call = callAgent(env, site.id, target(2), "users.fingers", { user_id: "42" });
    const [req] = await agent.requests(1);
    expect(req).toMatchObject({ v: RELAY_VERSION, type: "request", op: "users.fingers", args: { user_id: "42" }, device: target(2) });
    expect(req.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // users.fingers is not bulk: 2 s per packet × 4 + 2 s.
    expect(req.deadline - before).toBeGreaterThanOrEqual(10_000 - 50);
    expect(req.deadline - before).toBeLessThanOrEqual(10_000 + 1000);
    agent.answer(req.id, { fingers: [{ finger: 0, size: 512, valid: true }] });
    expect(await call).toEqual({ fingers: [{ finger: 0, size: 512, valid: true }] });
  });

  test("several concurrent requests answered out of order each get their own answer", async () => {
    const site = await insertSite();
    const agent = await agentFor(site);
    const times = ["2024-01-01 00:00:01", "2024-01-01 00:00:02", "2024-01-01 00:00:03", "2024-01-01 00:00:04"];
    const calls = times.map((_, i) => callAgent(env, site.id, target(5, `dev${i}`), "time.get", {}));
    const reqs = await agent.requests(times.length);
    expect(new Set(reqs.map((r) => r.id)).size).toBe(times.length);
    // Answer last-first; each answer carries the time of the device the request named.
    for (const req of [...reqs].reverse()) agent.answer(req.id, { time: times[Number(req.device.id.slice(3))] });
    expect(await Promise.all(calls)).toEqual(times.map((time) => ({ time })));
  });

  test("agent disconnect mid-request: every pending request fails with AGENT_OFFLINE, not at its deadline", async () => {
    const site = await insertSite();
    const agent = await agentFor(site);
    // A 60 s deadline: only the close can settle these within the test's 5 s timeout.
    const calls = [1, 2, 3].map(() => relayOf(site.id).relay("users.list", target(), {}, Date.now() + 60_000));
    await agent.requests(3);
    agent.close(1001, "going away");
    const outs = await Promise.all(calls);
    for (const out of outs) {
      expect(out).toEqual({ ok: false, error: { code: "AGENT_OFFLINE", message: `The agent of site '${site.id}' is not connected.` } });
    }
    expect(await relayOf(site.id).status()).toEqual({ connected: false });
  });

  test("deadline passes: RELAY_TIMEOUT naming the device; the late answer is dropped and the socket stays usable", async () => {
    const site = await insertSite();
    const agent = await agentFor(site);
    const warn = vi.spyOn(console, "warn");
    const out = relayOf(site.id).relay("time.get", target(5, "lenta"), {}, Date.now() + 150);
    const [late] = await agent.requests(1);
    expect(await out).toEqual({ ok: false, error: { code: "RELAY_TIMEOUT", message: "Device 'lenta' did not answer in time." } });
    agent.answer(late.id, { time: "2024-01-01 00:00:00" });
    const next = callAgent(env, site.id, target(), "time.get", {});
    const [req] = await agent.requests(1);
    agent.answer(req.id, { time: "2024-02-02 02:02:02" });
    expect(await next).toEqual({ time: "2024-02-02 02:02:02" });
    await until(() => warn.mock.calls.some((c) => String(c[0]).includes(`dropped response for unknown id ${late.id}`)));
  });

  test("a deadline already past fails with RELAY_TIMEOUT without sending anything", async () => {
    const site = await insertSite();
    const agent = await agentFor(site);
    const out = await relayOf(site.id).relay("time.get", target(), {}, Date.now() - 1);
    expect(out).toMatchObject({ ok: false, error: { code: "RELAY_TIMEOUT" } });
    agent.send({ v: RELAY_VERSION, type: "ping", ts: 1 });
    await agent.next("pong");
    expect(agent.frames.filter((f) => f.type === "request")).toEqual([]);
  });

  test("a request frame that would be invalid is refused as INTERNAL, never sent", async () => {
    const site = await insertSite();
    const agent = await agentFor(site);
    const bad = { ...target(), port: 70_000 };
    expect(await relayOf(site.id).relay("time.get", bad, {}, Date.now() + 5000)).toMatchObject({ ok: false, error: { code: "INTERNAL" } });
    agent.send({ v: RELAY_VERSION, type: "ping", ts: 2 });
    await agent.next("pong");
    expect(agent.frames.filter((f) => f.type === "request")).toEqual([]);
  });
});

describe("SiteRelay frames from the agent", () => {
  test("malformed frames are logged and dropped; the socket keeps working", async () => {
    const site = await insertSite();
    const agent = await agentFor(site);
    const warn = vi.spyOn(console, "warn");
    const pending = callAgent(env, site.id, target(), "time.get", {});
    const [req] = await agent.requests(1);
    agent.send("not json at all {");
    agent.send({ v: 2, type: "response", id: req.id, ok: true, result: { time: "2024-01-01 00:00:00" } });
    agent.ws.send(new Uint8Array([1, 2, 3, 4]));
    agent.send({ v: RELAY_VERSION, type: "bogus", id: req.id });
    agent.send({ v: RELAY_VERSION, type: "response", id: crypto.randomUUID(), ok: true, result: {} });
    agent.send({ v: RELAY_VERSION, type: "response", id: req.id, ok: "yes" });
    agent.send({ v: RELAY_VERSION, type: "request", id: crypto.randomUUID(), op: "time.get", device: target(), args: {}, deadline: 1 });
    agent.send([]);
    // Wait for all eight to be handled (workerd may deliver a burst of messages out of order), then check that
    // none of them settled the request: the real answer still reaches it.
    const dropped = () => warn.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("dropped"));
    await until(() => dropped().length >= 8);
    let settled = false;
    void pending.finally(() => (settled = true)).catch(() => {});
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(false);
    agent.answer(req.id, { time: "2024-03-03 03:03:03" });
    expect(await pending).toEqual({ time: "2024-03-03 03:03:03" });
    const logged = warn.mock.calls.map((c) => String(c[0]));
    expect(dropped(), logged.join("\n")).toHaveLength(8);
    expect(logged.some((l) => l.includes("not JSON"))).toBe(true);
    expect(logged.some((l) => l.includes("binary frames"))).toBe(true);
    expect(logged.some((l) => l.includes("agents do not send requests"))).toBe(true);
    // The comm key travels to the agent but never into a log line.
    expect(logged.join("\n")).not.toContain("123456");
    expect(await relayOf(site.id).status()).toMatchObject({ connected: true });
  });

  test("ping is answered with a pong carrying the same ts", async () => {
    const site = await insertSite();
    const agent = await agentFor(site);
    agent.send({ v: RELAY_VERSION, type: "ping", ts: 1_700_000_000_123 });
    expect(await agent.next("pong")).toEqual({ v: RELAY_VERSION, type: "pong", ts: 1_700_000_000_123 });
  });

  test("an agent error answer keeps its code and message; unknown codes become INTERNAL with the agent's text", async () => {
    const site = await insertSite();
    const agent = await agentFor(site);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    // Both failures are taken at once: awaiting one first would leave the other rejecting with no handler yet.
    const a = failure(callAgent(env, site.id, target(), "users.update", { user_id: "7", name: "X" }));
    const b = failure(callAgent(env, site.id, target(), "time.get", {}));
    // The two calls race to the socket: match the frames by op, not by arrival order.
    const both = await agent.requests(2);
    const ra = both.find((r) => r.op === "users.update")!;
    const rb = both.find((r) => r.op === "time.get")!;
    agent.fail(ra.id, "USER_NOT_FOUND", "User '7' not found on the device");
    agent.fail(rb.id, "FLUX_CAPACITOR", "something new");
    const ea = await a;
    expect([ea.code, ea.message, ea.status]).toEqual(["USER_NOT_FOUND", "User '7' not found on the device", 404]);
    const eb = await b;
    expect([eb.code, eb.message, eb.details]).toEqual(["INTERNAL", "something new", { agent_code: "FLUX_CAPACITOR" }]);
    expect(error.mock.calls.map((c) => String(c[0])).join("\n")).toContain('agent answered with code "FLUX_CAPACITOR"');
  });

  test("a result that does not match the op's schema is PROTOCOL_ERROR (logged)", async () => {
    const site = await insertSite();
    const agent = await agentFor(site);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const call = callAgent(env, site.id, target(), "users.list", {});
    const [req] = await agent.requests(1);
    agent.answer(req.id, { users: [{ uid: "one" }] });
    const e = await failure(call);
    expect([e.code, e.status]).toEqual(["PROTOCOL_ERROR", 500]);
    expect(error.mock.calls.map((c) => String(c[0])).join("\n")).toContain("invalid result");
  });
});

describe("SiteRelay connections", () => {
  test("hello is kept in the socket attachment and shown by status()", async () => {
    const site = await insertSite();
    const agent = await agentFor(site);
    const first = await relayOf(site.id).status();
    expect(first.connected).toBe(true);
    expect(first.hostname).toBeUndefined();
    expect(Date.parse(first.since ?? "")).not.toBeNaN();
    agent.hello("caseta-norte", "1.2.3", ["tcp", "udp", "templates"]);
    await until(async () => (await relayOf(site.id).status()).hostname !== undefined);
    expect(await relayOf(site.id).status()).toEqual({
      connected: true,
      hostname: "caseta-norte",
      version: "1.2.3",
      capabilities: ["tcp", "udp", "templates"],
      since: first.since,
      last_seen: expect.any(String),
    });
  });

  test("a hello with the largest capability list is trimmed to fit the attachment, not fatal", async () => {
    const site = await insertSite();
    const agent = await agentFor(site);
    const caps = Array.from({ length: 64 }, (_, i) => `${String(i).padStart(2, "0")}${"c".repeat(62)}`);
    agent.hello("h".repeat(255), "v".repeat(64), caps);
    await until(async () => (await relayOf(site.id).status()).hostname !== undefined);
    const status = await relayOf(site.id).status();
    expect(status.hostname).toBe("h".repeat(255));
    expect(status.version).toBe("v".repeat(64));
    expect(caps.slice(0, status.capabilities!.length)).toEqual(status.capabilities);
    expect(status.capabilities!.length).toBeLessThan(64);
  });

  test("a second connection replaces the first: 4000 'replaced', its pending fail, new requests go to the new one", async () => {
    const site = await insertSite();
    const old = await agentFor(site);
    const stranded = relayOf(site.id).relay("time.get", target(), {}, Date.now() + 60_000);
    await old.requests(1);
    const fresh = await agentFor(site);
    expect(await old.closed).toEqual({ code: 4000, reason: "replaced" });
    expect(await stranded).toMatchObject({ ok: false, error: { code: "AGENT_OFFLINE" } });
    const call = callAgent(env, site.id, target(), "time.get", {});
    const [req] = await fresh.requests(1);
    fresh.answer(req.id, { time: "2024-04-04 04:04:04" });
    expect(await call).toEqual({ time: "2024-04-04 04:04:04" });
    expect(old.frames.filter((f) => f.type === "request")).toHaveLength(1);
  });

  test("a late close or error event of the replaced socket does not fail requests on the new one", async () => {
    const site = await insertSite();
    const old = await agentFor(site);
    // Keep the old server-side socket: its close handshake can reach the Durable Object after new requests went out.
    const oldServer = await runInDurableObject(relayOf(site.id), async (_: SiteRelay, state) => state.getWebSockets("agent")[0]);
    const fresh = await agentFor(site);
    await old.closed;
    const call = callAgent(env, site.id, target(), "time.get", {});
    const [req] = await fresh.requests(1);
    await runInDurableObject(relayOf(site.id), async (relay: SiteRelay) => {
      relay.webSocketError(oldServer, new Error("late error"));
      relay.webSocketClose(oldServer, 1006, "");
    });
    fresh.answer(req.id, { time: "2024-05-05 05:05:05" });
    expect(await call).toEqual({ time: "2024-05-05 05:05:05" });
  });

  test("disconnect() closes the agent with 4001, fails its pending requests and reports offline", async () => {
    const site = await insertSite();
    const agent = await agentFor(site);
    const pending = relayOf(site.id).relay("time.get", target(), {}, Date.now() + 60_000);
    await agent.requests(1);
    expect(await relayOf(site.id).disconnect("token rotated")).toBe(true);
    expect(await agent.closed).toEqual({ code: 4001, reason: "token rotated" });
    expect(await pending).toMatchObject({ ok: false, error: { code: "AGENT_OFFLINE" } });
    expect(await relayOf(site.id).status()).toEqual({ connected: false });
    expect(await relayOf(site.id).disconnect()).toBe(false);
  });

  test("the Durable Object refuses a non-upgrade request and an upgrade without X-Site-Id", async () => {
    const stub = relayOf("direct-" + crypto.randomUUID());
    expect((await stub.fetch("http://do/connect")).status).toBe(426);
    const res = await stub.fetch("http://do/connect", { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(400);
    expect(res.webSocket).toBeNull();
  });
});

describe("relayBudgetMs", () => {
  test("4 packets per op, 12 for bulk ops, plus 2 s, capped at 120 s", () => {
    expect(relayBudgetMs("time.get", 5)).toBe(22_000);
    expect(relayBudgetMs("users.create", 0.1)).toBe(2_400);
    expect(relayBudgetMs("users.list", 5)).toBe(62_000);
    expect(relayBudgetMs("attendance.list", 2)).toBe(26_000);
    expect(relayBudgetMs("device.info", 120)).toBe(MAX_RELAY_MS);
    expect(relayBudgetMs("time.sync", 60)).toBe(MAX_RELAY_MS);
  });
});
