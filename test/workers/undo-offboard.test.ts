// Undo for delete (snapshot kept, deleted-users, restore) and offboarding a user from every device in one call.
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { AgentFailure, createDevice, createKey, createSite, deletedUser, fakeAgent, json, type FakeAgent } from "./helpers";

let agent: FakeAgent;

beforeAll(async () => {
  const norte = await createSite("norte");
  await createSite("sur"); // no agent: its devices answer AGENT_OFFLINE
  await createDevice({ id: "principal", site: "norte" });
  await createDevice({ id: "entrada", site: "norte" });
  await createDevice({ id: "bodega", site: "norte", port: 4372 });
  await createDevice({ id: "caja", site: "norte" });
  await createDevice({ id: "remota", site: "sur" });
  agent = await fakeAgent(norte);
});
afterAll(() => agent.close());
beforeEach(async () => {
  agent.requests.length = 0;
  for (const k of Object.keys(agent.handlers)) delete agent.handlers[k];
  await env.DB.batch([env.DB.prepare("DELETE FROM user_snapshots"), env.DB.prepare("DELETE FROM audit_log")]);
});

describe("undo delete", () => {
  test("delete keeps a snapshot; deleted-users lists it; restore sends it back and marks it", async () => {
    const removed = deletedUser("123", 3, "Luis");
    agent.handlers["users.delete"] = () => removed;
    expect((await json("DELETE", "/devices/principal/users/123")).status).toBe(200);

    const rows = await env.DB.prepare("SELECT * FROM user_snapshots").all<Record<string, unknown>>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]).toMatchObject({ device_id: "principal", user_id: "123", fingers: 3, deleted_by: "bootstrap", restored_at: null });
    expect(JSON.parse(rows.results[0].snapshot as string)).toEqual(removed.snapshot);

    const list = await json("GET", "/devices/principal/deleted-users");
    expect(list.body).toEqual({
      success: true,
      data: [
        {
          snapshot_id: rows.results[0].id,
          user_id: "123",
          name: "Luis",
          fingers: 3,
          deleted_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          deleted_by: "bootstrap",
          restored_at: null,
        },
      ],
    });
    expect((await json("GET", "/devices/entrada/deleted-users")).body).toEqual({ success: true, data: [] });

    agent.handlers["users.restore"] = (args) => ({ user: args.snapshot.user, fingers: args.snapshot.templates.length });
    const restored = await json("POST", "/devices/principal/users/123/restore");
    expect(restored.status).toBe(200);
    expect(restored.body).toEqual({ success: true, message: "Usuario '123' restaurado.", data: { user: removed.user, fingers: 3 } });
    expect(agent.calls("users.restore").map((f) => f.args)).toEqual([{ snapshot: removed.snapshot }]);
    const after = await json("GET", "/devices/principal/deleted-users");
    expect(after.body.data[0].restored_at).toEqual(expect.any(String));

    // Nothing left to restore: 404 SNAPSHOT_NOT_FOUND, and the agent is not asked.
    const again = await json("POST", "/devices/principal/users/123/restore");
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ success: false, error: "No hay copia del usuario '123' para restaurar.", code: "SNAPSHOT_NOT_FOUND" });
    expect(agent.calls("users.restore")).toHaveLength(1);
  });

  test("the newest snapshot is restored by default; snapshot_id picks another; ids of other users are refused", async () => {
    const first = deletedUser("5", 1, "Primera");
    const second = deletedUser("5", 2, "Segunda");
    agent.handlers["users.delete"] = () => first;
    await json("DELETE", "/devices/principal/users/5");
    agent.handlers["users.delete"] = () => second;
    await json("DELETE", "/devices/principal/users/5");
    agent.handlers["users.delete"] = () => deletedUser("6");
    await json("DELETE", "/devices/principal/users/6");
    const list = (await json("GET", "/devices/principal/deleted-users")).body.data as { snapshot_id: number; name: string; user_id: string }[];
    expect(list.map((d) => d.name)).toEqual(["User 6", "Segunda", "Primera"]);

    agent.handlers["users.restore"] = (args) => ({ user: args.snapshot.user, fingers: args.snapshot.templates.length });
    const older = list.find((d) => d.name === "Primera")!.snapshot_id;
    const picked = await json("POST", "/devices/principal/users/5/restore", { body: { snapshot_id: older } });
    expect(picked.body.data.fingers).toBe(1);
    const latest = await json("POST", "/devices/principal/users/5/restore");
    expect(latest.body.data).toEqual({ user: second.user, fingers: 2 });

    const otherUsers = list.find((d) => d.user_id === "6")!.snapshot_id;
    const wrong = await json("POST", "/devices/principal/users/5/restore", { body: { snapshot_id: otherUsers } });
    expect(wrong.status).toBe(404);
    const wrongDevice = await json("POST", "/devices/entrada/users/6/restore", { body: { snapshot_id: otherUsers } });
    expect(wrongDevice.status).toBe(404);
    const bad = await json("POST", "/devices/principal/users/5/restore", { body: { snapshot_id: "x" } });
    expect(bad.status).toBe(400);
  });

  test("the agent refusing a restore (USER_EXISTS) leaves the snapshot unrestored", async () => {
    agent.handlers["users.delete"] = () => deletedUser("9");
    await json("DELETE", "/devices/principal/users/9");
    agent.handlers["users.restore"] = () => {
      throw new AgentFailure("USER_EXISTS", "uid taken");
    };
    const r = await json("POST", "/devices/principal/users/9/restore");
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ success: false, error: "El usuario '9' ya existe.", code: "USER_EXISTS" });
    const row = await env.DB.prepare("SELECT restored_at FROM user_snapshots WHERE user_id = '9'").first<{ restored_at: string | null }>();
    expect(row?.restored_at).toBeNull();
  });
});

describe("offboarding: DELETE /users/{user_id}", () => {
  beforeEach(() => {
    agent.handlers["users.delete"] = (args, req) => {
      switch (req.device.id) {
        case "principal":
          return deletedUser(args.user_id, 2);
        case "entrada":
          throw new AgentFailure("USER_NOT_FOUND", "not there");
        case "bodega":
          throw new AgentFailure("DEVICE_UNREACHABLE", `Connection timeout to device 127.0.0.1:${req.device.port}`);
        default:
          throw new AgentFailure("DEVICE_BUSY", "queue full");
      }
    };
  });

  test("a key that sees two sites must name them: 400 listing the sites, nothing touched", async () => {
    const r = await json("DELETE", "/users/123");
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      success: false,
      error: "Indique 'sites' o 'devices': esta clave ve más de un sitio.",
      sites: ["norte", "sur"],
      details: [{ path: "sites", message: "required: this key sees more than one site" }],
      code: "VALIDATION_FAILED",
    });
    const en = await json("DELETE", "/users/123", { headers: { "accept-language": "en" } });
    expect(en.body.error).toBe("Give 'sites' or 'devices': this key sees more than one site.");
    expect(agent.requests).toHaveLength(0);
    const unknownSite = await json("DELETE", "/users/123?sites=norte,oeste");
    expect(unknownSite.status).toBe(404);
    expect(unknownSite.body.code).toBe("SITE_NOT_FOUND");
    expect(agent.requests).toHaveLength(0);
  });

  test("every device of the named sites in parallel, one result each, mixed outcomes: 207, success false", async () => {
    const r = await json("DELETE", "/users/123?sites=norte,sur");
    expect(r.status).toBe(207);
    expect(r.body).toEqual({
      success: false,
      error: "La baja del usuario '123' no terminó en todos los dispositivos; vea 'results'.",
      code: "OFFBOARDING_INCOMPLETE",
      data: {
        offboarding_id: expect.stringMatching(/^off_[0-9a-f]{32}$/),
        user_id: "123",
        results: [
          { device: "bodega", status: "unreachable", error: "Connection timeout to device 127.0.0.1:4372" },
          { device: "caja", status: "busy", error: "El dispositivo está ocupado; intente de nuevo." },
          { device: "entrada", status: "not_found" },
          { device: "principal", status: "deleted" },
          { device: "remota", status: "agent_offline", error: "El agente del sitio 'sur' no está conectado." },
        ],
      },
    });
    expect(agent.calls("users.delete").map((f) => f.device.id).sort()).toEqual(["bodega", "caja", "entrada", "principal"]);
    // Each deletion is snapshotted and audited like a single delete.
    const snaps = await env.DB.prepare("SELECT device_id, user_id, fingers FROM user_snapshots").all();
    expect(snaps.results).toEqual([{ device_id: "principal", user_id: "123", fingers: 2 }]);
    const audit = await env.DB.prepare("SELECT action, path, device_id, site_id, user_id, status, result, before_state FROM audit_log ORDER BY device_id").all();
    expect(audit.results).toEqual([
      { action: "users.delete", path: "/users/123", device_id: "bodega", site_id: "norte", user_id: "123", status: 500, result: "DEVICE_UNREACHABLE", before_state: null },
      { action: "users.delete", path: "/users/123", device_id: "caja", site_id: "norte", user_id: "123", status: 503, result: "DEVICE_BUSY", before_state: null },
      { action: "users.delete", path: "/users/123", device_id: "entrada", site_id: "norte", user_id: "123", status: 404, result: "USER_NOT_FOUND", before_state: null },
      {
        action: "users.delete",
        path: "/users/123",
        device_id: "principal",
        site_id: "norte",
        user_id: "123",
        status: 200,
        result: "ok",
        before_state: JSON.stringify(deletedUser("123").user),
      },
      { action: "users.delete", path: "/users/123", device_id: "remota", site_id: "sur", user_id: "123", status: 503, result: "AGENT_OFFLINE", before_state: null },
    ]);
  });

  test("?devices= limits the targets; English messages on request", async () => {
    const r = await json("DELETE", "/users/123?devices=principal,Bodega", { headers: { "accept-language": "en" } });
    expect(r.body.data.results).toEqual([
      { device: "principal", status: "deleted" },
      { device: "bodega", status: "unreachable", error: "Connection timeout to device 127.0.0.1:4372" },
    ]);
    const offline = await json("DELETE", "/users/123?devices=remota", { headers: { "accept-language": "en" } });
    expect(offline.body.data.results).toEqual([{ device: "remota", status: "agent_offline", error: "The agent of site 'sur' is not connected." }]);
  });

  test("an unknown listed device → 404 before any device is touched", async () => {
    const r = await json("DELETE", "/users/123?devices=principal,nada");
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      success: false,
      error: "Dispositivo 'nada' no encontrado.",
      disponibles: ["bodega", "caja", "entrada", "principal", "remota"],
      code: "DEVICE_NOT_FOUND",
    });
    expect(agent.requests).toHaveLength(0);
    const bad = await json("DELETE", "/users/123?devices=no!pe");
    expect(bad.status).toBe(400);
  });

  test("a site-scoped key offboards only on its sites", async () => {
    const scoped = await createKey("write", ["sur"]);
    const r = await json("DELETE", "/users/123", { key: scoped.key });
    expect(r.body.data.results).toEqual([{ device: "remota", status: "agent_offline", error: "El agente del sitio 'sur' no está conectado." }]);
    expect(agent.requests).toHaveLength(0);
    const row = await env.DB.prepare("SELECT key_id FROM audit_log WHERE action = 'users.delete'").first<{ key_id: string }>();
    expect(row?.key_id).toBe(scoped.id);
  });
});
