// Idempotency-Key replays and conflicts, the audit log and GET /audit, and that no answer leaks a secret.
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { sha256Hex } from "../../gateway/auth/crypto";
import { AgentFailure, createDevice, createKey, createSite, deletedUser, fakeAgent, json, waitFor, type Answer, type FakeAgent } from "./helpers";

let agent: FakeAgent;
let siteToken: string;

beforeAll(async () => {
  const site = await createSite("norte");
  siteToken = site.token;
  await createDevice({ id: "principal", site: site.id, password: 987654 });
  await createDevice({ id: "entrada", site: site.id });
  agent = await fakeAgent(site);
});
afterAll(() => agent.close());
beforeEach(async () => {
  agent.requests.length = 0;
  for (const k of Object.keys(agent.handlers)) delete agent.handlers[k];
  agent.handlers["users.delete"] = (args) => deletedUser(args.user_id);
  await env.DB.batch(["audit_log", "idempotency", "user_snapshots"].map((t) => env.DB.prepare(`DELETE FROM ${t}`)));
});

const idem = (key: string, extra: Record<string, string> = {}) => ({ headers: { "idempotency-key": key, ...extra } });

describe("Idempotency-Key", () => {
  test("a retry replays the first answer and touches the device once", async () => {
    const first = await json("DELETE", "/devices/principal/users/123", idem("del-123"));
    const second = await json("DELETE", "/devices/principal/users/123", idem("del-123"));
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(agent.calls("users.delete")).toHaveLength(1);
    const snaps = await env.DB.prepare("SELECT count(*) AS n FROM user_snapshots").first<{ n: number }>();
    expect(snaps?.n).toBe(1);
    // The replay is not a second change: one audit row.
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM audit_log").first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  test("created answers replay with their status and body", async () => {
    agent.handlers["users.create"] = (args) => ({ user: { uid: 5, user_id: args.user_id, name: "", privilege: 0, card: 0, group_id: "" } });
    const body = { user_id: "55" };
    const a = await json("POST", "/devices/principal/users", { body, ...idem("create-55") });
    const b = await json("POST", "/devices/principal/users", { body, ...idem("create-55") });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body).toEqual(a.body);
    expect(agent.calls("users.create")).toHaveLength(1);
  });

  test("the same key with another path, method or body → 409 IDEMPOTENCY_CONFLICT", async () => {
    await json("DELETE", "/devices/principal/users/123", idem("k1"));
    const otherPath = await json("DELETE", "/devices/principal/users/124", idem("k1"));
    expect(otherPath.status).toBe(409);
    expect(otherPath.body).toEqual({
      success: false,
      error: "La clave de idempotencia ya se usó con otra solicitud o sigue en curso.",
      code: "IDEMPOTENCY_CONFLICT",
    });
    const otherMethod = await json("POST", "/devices/principal/users/123/restore", idem("k1"));
    expect(otherMethod.status).toBe(409);
    agent.handlers["users.enrollFinger"] = () => ({ started: true });
    await json("POST", "/devices/principal/users/1/enroll-finger", { body: { finger: 1 }, ...idem("k2") });
    const otherBody = await json("POST", "/devices/principal/users/1/enroll-finger", { body: { finger: 2 }, ...idem("k2") });
    expect(otherBody.status).toBe(409);
    expect(agent.calls("users.delete")).toHaveLength(1);
    expect(agent.calls("users.enrollFinger")).toHaveLength(1);
  });

  test("keys never share replays: another API key with the same Idempotency-Key runs for real", async () => {
    const writer = await createKey("write");
    await json("DELETE", "/devices/principal/users/123", idem("shared"));
    const other = await json("DELETE", "/devices/principal/users/123", { key: writer.key, ...idem("shared") });
    expect(other.status).toBe(200);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(agent.calls("users.delete")).toHaveLength(2);
  });

  test("while the first call is still running → 409; afterwards the answer replays", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    agent.handlers["users.delete"] = async (args) => {
      await gate;
      return deletedUser(args.user_id);
    };
    const slow = json("DELETE", "/devices/principal/users/321", idem("slow"));
    await waitFor(async () => agent.calls("users.delete").length === 1);
    const racing = await json("DELETE", "/devices/principal/users/321", idem("slow"));
    expect(racing.status).toBe(409);
    expect(racing.body.code).toBe("IDEMPOTENCY_CONFLICT");
    release();
    const first: Answer = await slow;
    expect(first.status).toBe(200);
    const retry = await json("DELETE", "/devices/principal/users/321", idem("slow"));
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(agent.calls("users.delete")).toHaveLength(1);
  });

  test("4xx answers are final and replay; 5xx answers are not stored, so a retry really retries", async () => {
    agent.handlers["users.delete"] = () => {
      throw new AgentFailure("USER_NOT_FOUND", "no");
    };
    const a = await json("DELETE", "/devices/principal/users/404", idem("nf"));
    const b = await json("DELETE", "/devices/principal/users/404", idem("nf"));
    expect([a.status, b.status]).toEqual([404, 404]);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(agent.calls("users.delete")).toHaveLength(1);

    agent.handlers["users.delete"] = () => {
      throw new AgentFailure("DEVICE_UNREACHABLE", "Connection timeout to device 127.0.0.1:4370");
    };
    const down = await json("DELETE", "/devices/principal/users/500", idem("down"));
    expect(down.status).toBe(500);
    agent.handlers["users.delete"] = (args) => deletedUser(args.user_id);
    const up = await json("DELETE", "/devices/principal/users/500", idem("down"));
    expect(up.status).toBe(200);
    expect(up.headers.get("idempotent-replayed")).toBeNull();
    expect(agent.calls("users.delete")).toHaveLength(3);
  });

  test("answers with a one-time secret (admin routes) are never stored for replay", async () => {
    const a = await json("POST", "/admin/keys", { body: { name: "k", role: "read" }, ...idem("mint") });
    const b = await json("POST", "/admin/keys", { body: { name: "k", role: "read" }, ...idem("mint") });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.data.key).not.toBe(a.body.data.key);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM idempotency").first<{ n: number }>();
    expect(stored?.n).toBe(0);
  });

  test("a malformed Idempotency-Key → 400 VALIDATION_FAILED", async () => {
    const long = await json("DELETE", "/devices/principal/users/123", idem("x".repeat(256)));
    expect(long.status).toBe(400);
    expect(long.body.details).toEqual([{ path: "Idempotency-Key", message: expect.any(String) }]);
    const control = await json("DELETE", "/devices/principal/users/123", idem("tab\there"));
    expect(control.status).toBe(400);
    expect(agent.requests).toHaveLength(0);
  });
});

describe("audit log", () => {
  test("mutating calls leave rows: who, what, where, status, result, before-state", async () => {
    const writer = await createKey("write");
    await json("DELETE", "/devices/principal/users/123", { key: writer.key });
    agent.handlers["users.delete"] = () => {
      throw new AgentFailure("USER_NOT_FOUND", "no");
    };
    await json("DELETE", "/devices/principal/users/999", { key: writer.key });
    await json("PUT", "/devices/entrada", { body: { name: "Puerta" } });
    await json("DELETE", "/devices/bodega/users/1", { key: writer.key });
    await json("POST", "/devices", { key: writer.key, body: { id: "x", ip: "127.0.0.1" } });
    await json("GET", "/devices/principal"); // reads are not audited

    const r = await json("GET", "/audit");
    expect(r.status).toBe(200);
    expect(r.body.next_cursor).toBeNull();
    const rows = r.body.data as Record<string, unknown>[];
    expect(rows.map((x) => [x.action, x.method, x.path, x.device_id, x.user_id, x.status, x.result, x.key_id])).toEqual([
      // Refused before the body was read: the device id is not known.
      ["devices.create", "POST", "/devices", null, null, 403, "FORBIDDEN", writer.id],
      ["users.delete", "DELETE", "/devices/bodega/users/1", "bodega", "1", 404, "DEVICE_NOT_FOUND", writer.id],
      ["devices.update", "PUT", "/devices/entrada", "entrada", null, 200, "ok", "bootstrap"],
      ["users.delete", "DELETE", "/devices/principal/users/999", "principal", "999", 404, "USER_NOT_FOUND", writer.id],
      ["users.delete", "DELETE", "/devices/principal/users/123", "principal", "123", 200, "ok", writer.id],
      ["keys.create", "POST", "/admin/keys", null, null, 201, "ok", "bootstrap"],
    ]);
    const del = rows[4];
    expect(del).toMatchObject({ site_id: "norte", at: expect.stringMatching(/Z$/), id: expect.any(Number) });
    expect(del.before_state).toEqual(deletedUser("123").user);
    expect(del.detail).toEqual({ snapshot_id: expect.any(Number) });
    expect(rows[2].before_state).toMatchObject({ id: "entrada", name: "entrada", has_password: false });
    expect(JSON.stringify(rows)).not.toMatch(/"password"|987654/);
  });

  test("filters, since and cursor pagination", async () => {
    for (const u of ["1", "2", "3", "4", "5"]) await json("DELETE", `/devices/principal/users/${u}`);
    await json("DELETE", "/devices/entrada/users/1");

    const byDevice = await json("GET", "/audit?device_id=entrada");
    expect(byDevice.body.data.map((x: { path: string }) => x.path)).toEqual(["/devices/entrada/users/1"]);
    const byUser = await json("GET", "/audit?user_id=1");
    expect(byUser.body.data.map((x: { device_id: string }) => x.device_id)).toEqual(["entrada", "principal"]);

    const page1 = await json("GET", "/audit?device_id=principal&limit=2");
    expect(page1.body.data.map((x: { user_id: string }) => x.user_id)).toEqual(["5", "4"]);
    expect(page1.body.next_cursor).toEqual(expect.any(String));
    const page2 = await json("GET", `/audit?device_id=principal&limit=2&cursor=${page1.body.next_cursor}`);
    expect(page2.body.data.map((x: { user_id: string }) => x.user_id)).toEqual(["3", "2"]);
    const page3 = await json("GET", `/audit?device_id=principal&limit=2&cursor=${page2.body.next_cursor}`);
    expect(page3.body.data.map((x: { user_id: string }) => x.user_id)).toEqual(["1"]);
    expect(page3.body.next_cursor).toBeNull();

    const future = await json("GET", "/audit?since=2999-01-01T00:00:00Z");
    expect(future.body.data).toEqual([]);
    const past = await json("GET", "/audit?since=2000-01-01&limit=200");
    expect(past.body.data).toHaveLength(6);
    const withOffset = await json("GET", `/audit?since=${encodeURIComponent("2000-01-01T00:00:00+02:00")}`);
    expect(withOffset.body.data).toHaveLength(6);

    for (const q of ["limit=0", "limit=201", "limit=abc", "cursor=abc", "since=yesterday", "device_id=no!pe"]) {
      const bad = await json("GET", `/audit?${q}`);
      expect(bad.status, q).toBe(400);
      expect(bad.body.code).toBe("VALIDATION_FAILED");
    }
  });

  test("a site-scoped admin reads only its sites' rows", async () => {
    await createSite("sur");
    await createDevice({ id: "remota", site: "sur" });
    try {
      await json("DELETE", "/devices/principal/users/1");
      await json("DELETE", "/devices/remota/users/1");
      const scoped = await createKey("admin", ["sur"]);
      const r = await json("GET", "/audit", { key: scoped.key });
      expect(r.body.data.map((x: { action: string; device_id: string; site_id: string }) => [x.action, x.site_id, x.device_id])).toEqual([
        ["users.delete", "sur", "remota"],
        ["devices.create", "sur", "remota"],
        ["sites.create", "sur", null],
      ]);
    } finally {
      await json("DELETE", "/devices/remota");
      await json("DELETE", "/admin/sites/sur");
    }
  });
});

describe("secrets never leave", () => {
  test("no answer carries a comm key, an API key hash or an agent token", async () => {
    const key = await createKey("read");
    const keyHash = await sha256Hex(key.key);
    const tokenHash = await sha256Hex(siteToken);
    agent.handlers["users.list"] = () => ({ users: [] });
    const answers: Answer[] = [];
    for (const path of ["/", "/devices", "/devices/principal", "/devices/principal/users", "/devices/principal/deleted-users", "/admin/sites", "/admin/keys", "/audit?limit=200", "/openapi.json", "/devices/nada"]) {
      answers.push(await json("GET", path));
    }
    answers.push(await json("PUT", "/devices/principal", { body: { name: "Principal" } }));
    answers.push(await json("DELETE", "/devices/principal/users/1"));
    answers.push(await json("GET", "/audit?limit=200"));
    for (const a of answers) {
      expect(a.text).not.toContain("987654");
      expect(a.text).not.toContain(keyHash);
      expect(a.text).not.toContain(tokenHash);
      expect(a.text).not.toContain(siteToken);
      expect(a.text).not.toContain(key.key);
      expect(a.text).not.toContain(env.ADMIN_API_KEY);
      expect(a.text).not.toMatch(/key_hash|token_hash/);
    }
  });
});
