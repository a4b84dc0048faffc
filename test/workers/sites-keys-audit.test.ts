// Site deletion and the keys scoped to it (case 7); the audit log's before-state of PUT and its retention (case 9).
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AUDIT_RETENTION_DAYS } from "../../gateway/db/audit";
import { createDevice, createKey, createSite, fakeAgent, json, user, type FakeAgent } from "./helpers";

let agent: FakeAgent;

beforeAll(async () => {
  const site = await createSite("audit-site");
  await createDevice({ id: "reloj", site: site.id });
  agent = await fakeAgent(site, {
    "users.update": (args) => ({ user: { ...user(args.user_id), privilege: args.privilege ?? 0 }, before: { ...user(args.user_id), privilege: 0 } }),
  });
});
afterAll(() => agent.close());

describe("keys scoped to a deleted site (case 7)", () => {
  test("a key scoped to that site alone is revoked; a key of several sites loses it; a new site of that id inherits nothing", async () => {
    await createSite("lima");
    await createSite("cusco");
    const only = await createKey("write", ["lima"]);
    const both = await createKey("read", ["lima", "cusco"]);
    expect((await json("GET", "/devices", { key: only.key })).status).toBe(200);

    expect((await json("DELETE", "/admin/sites/lima")).status).toBe(200);
    expect((await json("GET", "/devices", { key: only.key })).status).toBe(401);
    const keys = (await json("GET", "/admin/keys")).body.data as Array<{ id: string; sites: string[] | null; revoked_at: string | null }>;
    expect(keys.find((k) => k.id === only.id)!.revoked_at).not.toBeNull();
    expect(keys.find((k) => k.id === both.id)).toMatchObject({ sites: ["cusco"], revoked_at: null });

    await createSite("lima");
    await createDevice({ id: "lima-reloj", site: "lima" });
    expect((await json("GET", "/devices", { key: only.key })).status).toBe(401);
    const seen = (await json("GET", "/devices", { key: both.key })).body.data.map((d: { id: string }) => d.id);
    expect(seen).not.toContain("lima-reloj");
  });
});

describe("audit log", () => {
  test("PUT /devices/{id}/users/{user_id} records the user as it was before the change", async () => {
    expect((await json("PUT", "/devices/reloj/users/55", { body: { privilege: 14 } })).status).toBe(200);
    const row = await env.DB.prepare("SELECT before_state FROM audit_log WHERE action = 'users.update' AND user_id = '55'").first<{ before_state: string }>();
    expect(JSON.parse(row!.before_state)).toMatchObject({ user_id: "55", privilege: 0 });
  });

  test(`rows older than the retention (${AUDIT_RETENTION_DAYS} days by default) are swept after a mutating call; younger ones stay`, async () => {
    const day = 24 * 60 * 60 * 1000;
    const insert = env.DB.prepare(
      "INSERT INTO audit_log (at, key_id, action, method, path, status, result, user_id) VALUES (?, 'k', 'old.thing', 'POST', '/x', 200, 'ok', ?)",
    );
    await env.DB.batch([
      insert.bind(new Date(Date.now() - (AUDIT_RETENTION_DAYS + 1) * day).toISOString(), "ancient"),
      insert.bind(new Date(Date.now() - (AUDIT_RETENTION_DAYS - 1) * day).toISOString(), "recent"),
    ]);
    expect((await json("PUT", "/devices/reloj/users/56", { body: { privilege: 1 } })).status).toBe(200);
    let users: string[] = [];
    for (let i = 0; i < 100; i++) {
      users = (await env.DB.prepare("SELECT user_id FROM audit_log WHERE action = 'old.thing'").all<{ user_id: string }>()).results.map((r) => r.user_id);
      if (!users.includes("ancient")) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(users).toEqual(["recent"]);
  });
});
