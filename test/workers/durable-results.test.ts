// Durable results in workerd: a delete's answer that comes late, on another connection or twice is stored once and acked.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { readConn, writeConn } from "../../gateway/relay/attachment";
import { RELAY_VERSION } from "../../shared/relay";
import { createDevice, createSite, deletedUser, json, record72 } from "./helpers";
import { connectAgent, relayOf, until, type ScriptedAgent } from "./relay-helpers";

let site: { id: string; token: string };
const open: ScriptedAgent[] = [];

beforeAll(async () => {
  site = await createSite("durable");
  await createDevice({ id: "puerta", site: site.id });
});
afterEach(() => {
  for (const a of open.splice(0)) {
    try {
      a.close(1000, "test done");
    } catch {
      // already closed
    }
  }
  vi.restoreAllMocks();
});

async function agent(): Promise<ScriptedAgent> {
  const a = await connectAgent(site);
  open.push(a);
  a.hello();
  return a;
}

const snapshotRows = async (userId: string) =>
  (await env.DB.prepare("SELECT id, user_id, request_id, fingers FROM user_snapshots WHERE user_id = ?").bind(userId).all()).results;
const auditRows = async (userId: string) =>
  (await env.DB.prepare("SELECT status, result, detail, before_state FROM audit_log WHERE user_id = ? AND action = 'users.delete'").bind(userId).all<{
    status: number;
    result: string;
    detail: string | null;
    before_state: string | null;
  }>()).results;

describe("a delete whose agent dropped after DELETE_USER (case 1)", () => {
  test("the outbox re-delivery on a new connection stores the snapshot, completes the audit row, replays the real answer, and is acked", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const first = await agent();
    const call = json("DELETE", "/devices/puerta/users/903", { headers: { "Idempotency-Key": "durable-903" } });
    const [req] = await first.requests(1);
    first.close(1011, "agent killed"); // the agent dies after DELETE_USER: the caller gets 503
    const answer = await call;
    expect([answer.status, answer.body.code]).toEqual([503, "AGENT_OFFLINE"]);
    expect(await snapshotRows("903")).toEqual([]);
    expect((await auditRows("903")).map((r) => r.status)).toEqual([503]);

    // The restarted agent settles its outbox entry (the user is gone) and re-sends the answer on its new link.
    const second = await agent();
    const result = deletedUser("903", 2, "Old Person");
    second.send({ v: RELAY_VERSION, type: "response", id: req.id, ok: true, result, redelivered: true });
    const ack = await second.next("ack");
    expect(ack.id).toBe(req.id);
    expect(await snapshotRows("903")).toEqual([{ id: expect.any(Number), user_id: "903", request_id: req.id, fingers: 2 }]);
    const [row] = await auditRows("903");
    expect([row.status, row.result, JSON.parse(row.before_state!).name]).toEqual([200, "ok", "Old Person"]);
    // An Idempotency-Key retry now gets the real answer, not a second delete (nor IDEMPOTENCY_CONFLICT).
    const retry = await json("DELETE", "/devices/puerta/users/903", { headers: { "Idempotency-Key": "durable-903" } });
    expect([retry.status, retry.body]).toEqual([200, { success: true, message: "Usuario '903' eliminado." }]);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");

    // Delivered again (the ack was lost): still one snapshot, acked again.
    second.send({ v: RELAY_VERSION, type: "response", id: req.id, ok: true, result, redelivered: true });
    expect((await second.next("ack")).id).toBe(req.id);
    expect(await snapshotRows("903")).toHaveLength(1);
    const listed = await json("GET", "/devices/puerta/deleted-users");
    expect(listed.body.data.filter((d: { user_id: string }) => d.user_id === "903")).toHaveLength(1);
  });

  test("the snapshot of an answer on the caller's own socket is stored by the relay and acked before the caller hears 200", async () => {
    const a = await agent();
    const call = json("DELETE", "/devices/puerta/users/904");
    const [req] = await a.requests(1);
    a.answer(req.id, deletedUser("904", 1));
    expect((await a.next("ack")).id).toBe(req.id);
    expect((await call).status).toBe(200);
    expect(await snapshotRows("904")).toEqual([{ id: expect.any(Number), user_id: "904", request_id: req.id, fingers: 1 }]);
  });
});

describe("hostile or buggy agent data is not stored (case 8)", () => {
  const bad: Array<[string, (r: ReturnType<typeof deletedUser>) => void]> = [
    ["a snapshot of another user_id", (r) => (r.snapshot.user = { ...r.snapshot.user, user_id: "1" })],
    ["a record of another user_id", (r) => (r.snapshot.record = record72(r.user.uid, "1"))],
    ["a non-base64 record", (r) => (r.snapshot.record = "not base64!!")],
    ["a record of the wrong length", (r) => (r.snapshot.record = btoa("x".repeat(28)))],
    ["a finger listed twice", (r) => (r.snapshot.templates = [r.snapshot.templates[0], r.snapshot.templates[0]])],
    ["a non-base64 template", (r) => (r.snapshot.templates[0].template = "%%%")],
  ];
  test.each(bad)("%s", async (_what, spoil) => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const a = await agent();
    const userId = String(910 + bad.findIndex(([w]) => w === _what));
    const call = json("DELETE", `/devices/puerta/users/${userId}`);
    const [req] = await a.requests(1);
    const result = deletedUser(userId, 2);
    spoil(result);
    a.answer(req.id, result);
    await call;
    expect(await snapshotRows(userId)).toEqual([]);
    // Acked all the same: sending it again cannot make it valid.
    expect((await a.next("ack")).id).toBe(req.id);
  });
});

describe("liveness (case 5)", () => {
  test("an agent silent past the bound is offline: requests fail fast with AGENT_OFFLINE, /admin/sites shows last_seen", async () => {
    const a = await agent();
    await until(async () => (await relayOf(site.id).status()).hostname !== undefined);
    // Make the agent look silent for a minute (as a SIGSTOPped process would be), without waiting a minute.
    await runInDurableObject(relayOf(site.id), async (_obj, state) => {
      for (const ws of state.getWebSockets("agent")) {
        const info = readConn(ws)!;
        writeConn(ws, { ...info, connectedAt: info.connectedAt - 60_000, lastSeen: Date.now() - 60_000 });
      }
    });
    const started = Date.now();
    const r = await json("GET", "/devices/puerta/users");
    expect([r.status, r.body.code]).toEqual([503, "AGENT_OFFLINE"]);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(a.frames.filter((f) => f.type === "request")).toHaveLength(0);
    const sites = await json("GET", "/admin/sites");
    const mine = sites.body.data.find((s: { id: string }) => s.id === site.id);
    expect(mine.agent.connected).toBe(false);
    expect(Date.now() - Date.parse(mine.agent.last_seen)).toBeGreaterThanOrEqual(59_000);
    // One frame from it (any: a pong, a hello) and it counts as alive again.
    a.hello();
    await until(async () => (await relayOf(site.id).status()).connected);
  });

  test("the agent's fixed ping text is answered by the runtime (auto-response) with the fixed pong", async () => {
    const a = await agent();
    a.send(JSON.stringify({ v: RELAY_VERSION, type: "ping", ts: 0 }));
    const pong = await a.next("pong");
    expect(pong).toEqual({ v: RELAY_VERSION, type: "pong", ts: 0 });
  });
});
