// A deleted user is never silently left without its undo copy: snapshot write retries, late answers, retention.
import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { callAgent } from "../../gateway/relay/call-agent";
import { AgentFailure, createDevice, createSite, deletedUser, fakeAgent, json, waitFor, type FakeAgent } from "./helpers";
import { failing, interceptDb, requestWith } from "./intercept";
import { connectAgent, insertSite, relayOf, target, until, type ScriptedAgent } from "./relay-helpers";

let agent: FakeAgent;
const scripted: ScriptedAgent[] = [];

beforeAll(async () => {
  const site = await createSite("norte");
  await createDevice({ id: "principal", site: site.id });
  await createDevice({ id: "entrada", site: site.id });
  agent = await fakeAgent(site, { "users.delete": (args) => deletedUser(args.user_id) });
});
afterAll(() => agent.close());
beforeEach(async () => {
  await env.DB.batch([env.DB.prepare("DELETE FROM user_snapshots"), env.DB.prepare("DELETE FROM audit_log")]);
});
afterEach(() => {
  for (const a of scripted.splice(0)) {
    try {
      a.close(1000, "test done");
    } catch {
      // already closed
    }
  }
  vi.restoreAllMocks();
});

const snapshots = async () => (await env.DB.prepare("SELECT device_id, user_id, deleted_by FROM user_snapshots ORDER BY id").all()).results;
const auditDetail = async (userId: string) =>
  (await env.DB.prepare("SELECT detail FROM audit_log WHERE user_id = ?").bind(userId).first<{ detail: string }>())?.detail;
const logged = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map((c) => String(c[0])).join("\n");

describe("the snapshot write after the agent deleted the user", () => {
  test("a failed write is retried once, and the snapshot is kept", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const hook = failing(/INSERT INTO user_snapshots/, 1);
    const res = await requestWith({ DB: interceptDb(env.DB, hook) }, "DELETE", "/devices/principal/users/123");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`{"success":true,"message":"Usuario '123' eliminado."}`);
    expect(hook.failures).toBe(1);
    expect(await snapshots()).toEqual([{ device_id: "principal", user_id: "123", deleted_by: "bootstrap" }]);
    expect(JSON.parse((await auditDetail("123"))!)).toEqual({ snapshot_id: expect.any(Number) });
  });

  test("when the Worker cannot write it, the caller still hears the seed's 200, and the relay had stored it already", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const db = interceptDb(env.DB, failing(/INSERT INTO user_snapshots/));
    const res = await requestWith({ DB: db }, "DELETE", "/devices/principal/users/123");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, message: "Usuario '123' eliminado." });
    // users.delete is a durable-result op: the SiteRelay stored the snapshot before handing the answer over.
    expect(await snapshots()).toEqual([{ device_id: "principal", user_id: "123", deleted_by: "bootstrap" }]);
    expect(logged(error)).toContain("device principal for user_id 123");

    const offboard = await requestWith({ DB: db }, "DELETE", "/users/456?devices=principal");
    expect(await offboard.json()).toEqual({
      success: true,
      data: { offboarding_id: expect.stringMatching(/^off_[0-9a-f]{32}$/), user_id: "456", results: [{ device: "principal", status: "deleted" }] },
    });
    expect((await snapshots()).map((s) => s.user_id)).toEqual(["123", "456"]);
  });
});

describe("a users.delete answer that arrives after RELAY_TIMEOUT", () => {
  async function siteWithDevice(deviceId: string) {
    const site = await insertSite("late");
    const now = new Date().toISOString();
    await env.DB.prepare("INSERT INTO devices (id, site_id, name, ip, created_at, updated_at) VALUES (?, ?, ?, '127.0.0.1', ?, ?)")
      .bind(deviceId, site.id, deviceId, now, now)
      .run();
    const a = await connectAgent(site);
    scripted.push(a);
    return { site, agent: a };
  }

  test("a late success is saved as a snapshot by the original caller's key, and logged with device and user_id", async () => {
    const { site, agent: a } = await siteWithDevice(`tarde-${Date.now().toString(36)}`);
    const deviceId = (await env.DB.prepare("SELECT id FROM devices WHERE site_id = ?").bind(site.id).first<{ id: string }>())!.id;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const out = relayOf(site.id).relay("users.delete", target(5, deviceId), { user_id: "77" }, Date.now() + 150, { keyId: "key_late" });
    const [req] = await a.requests(1);
    expect(await out).toMatchObject({ ok: false, error: { code: "RELAY_TIMEOUT" } });
    a.answer(req.id, deletedUser("77", 3));
    await until(async () => (await env.DB.prepare("SELECT count(*) AS n FROM user_snapshots WHERE device_id = ?").bind(deviceId).first<{ n: number }>())!.n === 1);
    const row = await env.DB.prepare("SELECT user_id, deleted_by, fingers FROM user_snapshots WHERE device_id = ?").bind(deviceId).first();
    expect(row).toEqual({ user_id: "77", deleted_by: "key_late", fingers: 3 });
    await until(() => logged(warn).includes(`users.delete on device ${deviceId} for user_id 77: the user was deleted after the caller's answer`));
  });

  test("a late success for a device deleted and re-registered meanwhile is not kept (logged)", async () => {
    const deviceId = `tarde-${Date.now().toString(36)}-r`;
    const { site, agent: a } = await siteWithDevice(deviceId);
    const createdAt = (await env.DB.prepare("SELECT created_at FROM devices WHERE id = ?").bind(deviceId).first<{ created_at: string }>())!.created_at;
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const meta = { keyId: "key_late", deviceCreatedAt: createdAt };
    const out = relayOf(site.id).relay("users.delete", target(5, deviceId), { user_id: "80" }, Date.now() + 150, meta);
    const [req] = await a.requests(1);
    await out;
    await env.DB.prepare("UPDATE devices SET created_at = ? WHERE id = ?").bind("2999-01-01T00:00:00.000Z", deviceId).run();
    a.answer(req.id, deletedUser("80"));
    await until(() => logged(error).includes(`device ${deviceId} for user_id 80: the device left the registry meanwhile`));
    expect(await env.DB.prepare("SELECT count(*) AS n FROM user_snapshots WHERE device_id = ?").bind(deviceId).first()).toEqual({ n: 0 });
  });

  test("a late failure is logged with device and user_id; nothing is stored", async () => {
    const deviceId = `tarde-${Date.now().toString(36)}-f`;
    const { site, agent: a } = await siteWithDevice(deviceId);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const out = relayOf(site.id).relay("users.delete", target(5, deviceId), { user_id: "78" }, Date.now() + 150, { keyId: "key_late" });
    const [req] = await a.requests(1);
    await out;
    a.fail(req.id, "USER_NOT_FOUND", "not there");
    await until(() => logged(warn).includes(`users.delete on device ${deviceId} for user_id 78: the agent answered USER_NOT_FOUND after the caller's answer`));
    expect(await env.DB.prepare("SELECT count(*) AS n FROM user_snapshots WHERE device_id = ?").bind(deviceId).first()).toEqual({ n: 0 });
  });

  test("a users.delete success with an invalid result is logged loudly with the user_id", async () => {
    const deviceId = `tarde-${Date.now().toString(36)}-x`;
    const { site, agent: a } = await siteWithDevice(deviceId);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const call = callAgent(env, site.id, target(5, deviceId), "users.delete", { user_id: "79" }).catch((e: unknown) => e);
    const [req] = await a.requests(1);
    a.answer(req.id, { user: deletedUser("79").user });
    expect(await call).toMatchObject({ code: "PROTOCOL_ERROR" });
    expect(logged(error)).toMatch(new RegExp(`users.delete on device ${deviceId} for user_id 79`));
  });
});

describe("snapshots follow their device", () => {
  test("DELETE /devices/{id} removes its snapshots: a device re-created under that id elsewhere sees none", async () => {
    await createSite("sur");
    await createDevice({ id: "efimera", site: "norte" });
    expect((await json("DELETE", "/devices/efimera/users/5")).status).toBe(200);
    expect((await json("GET", "/devices/efimera/deleted-users")).body.data).toHaveLength(1);
    expect((await json("DELETE", "/devices/efimera")).status).toBe(200);
    expect(await snapshots()).toEqual([]);
    await createDevice({ id: "efimera", site: "sur" });
    try {
      expect((await json("GET", "/devices/efimera/deleted-users")).body).toEqual({ success: true, data: [] });
      expect((await json("POST", "/devices/efimera/users/5/restore")).status).toBe(404);
    } finally {
      await json("DELETE", "/devices/efimera");
      await json("DELETE", "/admin/sites/sur");
    }
  });
});

describe("snapshot retention", () => {
  test("snapshots older than 90 days are swept after a delete; younger ones stay", async () => {
    const day = 24 * 60 * 60 * 1000;
    const insert = env.DB.prepare(
      "INSERT INTO user_snapshots (device_id, user_id, snapshot, fingers, deleted_at, deleted_by) VALUES ('entrada', ?, '{}', 0, ?, 'bootstrap')",
    );
    await env.DB.batch([
      insert.bind("viejo", new Date(Date.now() - 91 * day).toISOString()),
      insert.bind("reciente", new Date(Date.now() - 89 * day).toISOString()),
    ]);
    expect((await json("DELETE", "/devices/principal/users/9")).status).toBe(200);
    await waitFor(async () => !(await snapshots()).some((s) => s.user_id === "viejo"));
    expect((await snapshots()).map((s) => s.user_id).sort()).toEqual(["9", "reciente"]);
  });
});

describe("a delete whose outcome the agent could not learn", () => {
  test("the error reaches the caller and the snapshot carried in its details is kept for restore", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const { snapshot } = deletedUser("777", 3);
    const previous = agent.handlers["users.delete"];
    agent.handlers["users.delete"] = () => {
      throw new AgentFailure("DEVICE_TIMEOUT", "Device did not answer DELETE_USER (whether user '777' was deleted is unknown)", {
        user_id: "777",
        outcome: "unknown",
        snapshot,
      });
    };
    try {
      const res = await json("DELETE", "/devices/principal/users/777");
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ success: false, code: "DEVICE_TIMEOUT" });
      expect(JSON.stringify(res.body)).not.toContain("template-777");
      expect(await snapshots()).toEqual([{ device_id: "principal", user_id: "777", deleted_by: "bootstrap" }]);
      const listed = await json("GET", "/devices/principal/deleted-users");
      expect(listed.body.data[0]).toMatchObject({ user_id: "777", fingers: 3 });
    } finally {
      agent.handlers["users.delete"] = previous;
    }
  });

  test("an ordinary device failure stores nothing", async () => {
    const previous = agent.handlers["users.delete"];
    agent.handlers["users.delete"] = () => {
      throw new AgentFailure("DEVICE_UNREACHABLE", "Connection timeout to device 127.0.0.1:4370");
    };
    try {
      const res = await json("DELETE", "/devices/principal/users/778");
      expect(res.status).toBe(500);
      expect(await snapshots()).toEqual([]);
    } finally {
      agent.handlers["users.delete"] = previous;
    }
  });
});
