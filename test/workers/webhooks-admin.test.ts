// /admin/webhooks: secret shown once and kept encrypted, URL rules, site and role checks, deletion, audit rows without secrets.
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { decryptSecret } from "../../gateway/webhooks/crypto";
import { createKey, createSite, json } from "./helpers";
import { RECEIVER } from "./webhook-helpers";

const create = (body: unknown, opts: { key?: string; headers?: Record<string, string> } = {}) =>
  json("POST", "/admin/webhooks", { body, ...opts });

describe("POST /admin/webhooks", () => {
  test("201 with the secret once; listing and reading never show it; D1 holds it encrypted, readable by the worker", async () => {
    const r = await create({ url: `${RECEIVER}/hooks/admin-1`, events: ["attendance", "enrollment", "attendance"] });
    expect(r.status).toBe(201);
    const { id, secret } = r.body.data;
    expect(id).toMatch(/^whk_[0-9a-f]{16}$/);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(r.body.data).toMatchObject({ url: `${RECEIVER}/hooks/admin-1`, events: ["attendance", "enrollment"], sites: null });

    const list = await json("GET", "/admin/webhooks");
    const one = await json("GET", `/admin/webhooks/${id}`);
    for (const text of [list.text, one.text]) expect(text).not.toContain(secret);
    expect(one.body.data).toMatchObject({ id, deliveries: { pending: 0, delivered: 0, dead: 0 } });
    expect(list.body.data.map((w: { id: string }) => w.id)).toContain(id);

    const row = await env.DB.prepare("SELECT * FROM webhooks WHERE id = ?").bind(id).first<{ secret_enc: string }>();
    expect(JSON.stringify(row)).not.toContain(secret.slice(6));
    expect(await decryptSecret(env, id, row!.secret_enc)).toBe(secret);
    // Bound to its row: the same ciphertext under another id does not decrypt.
    expect(await decryptSecret(env, "whk_0000000000000000", row!.secret_enc)).toBeNull();

    const audit = await env.DB.prepare("SELECT * FROM audit_log WHERE action = 'webhooks.create' ORDER BY id DESC LIMIT 1").first();
    expect(audit).toMatchObject({ status: 201, result: "ok", key_id: "bootstrap" });
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(JSON.parse((audit as { detail: string }).detail)).toMatchObject({ webhook_id: id });
  });

  test.each([
    ["http to a public host", "http://example.com/hook"],
    ["not https", "ftp://example.com/hook"],
    ["a private address", "https://10.1.2.3/hook"],
    ["link-local (cloud metadata)", "https://169.254.169.254/latest"],
    ["a private IPv6 address", "https://[fd00::1]/hook"],
    ["credentials in the URL", "https://user:pw@example.com/hook"],
    ["a LAN-only name", "https://printer.local/hook"],
    ["not a URL", "hook"],
  ])("400 VALIDATION_FAILED for %s, the reason under details.url", async (_what, url) => {
    const r = await create({ url, events: ["attendance"] });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ success: false, code: "VALIDATION_FAILED" });
    expect(r.body.details[0].path).toBe("url");
  });

  test("https to a public host is accepted (nothing is sent until an event comes)", async () => {
    const r = await create({ url: "https://hooks.example.com/zk", events: ["door", "alarm"] });
    expect(r.status).toBe(201);
    expect((await json("DELETE", `/admin/webhooks/${r.body.data.id}`)).status).toBe(200);
  });

  test("bad events, unknown fields and unknown sites are refused in the envelope, in English on request", async () => {
    expect((await create({ url: "https://a.example.com", events: [] })).body.code).toBe("VALIDATION_FAILED");
    expect((await create({ url: "https://a.example.com", events: ["punch"] })).body.code).toBe("VALIDATION_FAILED");
    expect((await create({ url: "https://a.example.com", events: ["door"], secret: "mine" })).body.code).toBe("VALIDATION_FAILED");
    const es = await create({ url: "https://a.example.com", events: ["door"], sites: ["nowhere"] });
    expect(es.status).toBe(404);
    expect(es.body).toEqual({ success: false, error: "Sitio 'nowhere' no encontrado.", code: "SITE_NOT_FOUND" });
    const en = await create({ url: "https://a.example.com", events: ["door"], sites: ["nowhere"] }, { headers: { "accept-language": "en" } });
    expect(en.body.error).toBe("Site 'nowhere' not found.");
  });

  test("only an unscoped admin key may manage webhooks", async () => {
    const site = await createSite();
    const write = await createKey("write");
    const scopedAdmin = await createKey("admin", [site.id]);
    for (const key of [write.key, scopedAdmin.key]) {
      expect((await create({ url: "https://a.example.com", events: ["door"] }, { key })).status).toBe(403);
      expect((await json("GET", "/admin/webhooks", { key })).status).toBe(403);
    }
    expect((await json("GET", "/admin/webhooks", { key: null })).status).toBe(401);
  });
});

describe("GET/DELETE /admin/webhooks/{id}", () => {
  test("404 WEBHOOK_NOT_FOUND for an unknown id, 400 for a malformed one; DELETE removes it and is audited", async () => {
    const nope = await json("GET", "/admin/webhooks/whk_0123456789abcdef");
    expect(nope.status).toBe(404);
    expect(nope.body).toEqual({ success: false, error: "Webhook 'whk_0123456789abcdef' no encontrado.", code: "WEBHOOK_NOT_FOUND" });
    expect((await json("GET", "/admin/webhooks/nope")).body.code).toBe("VALIDATION_FAILED");

    const { id } = (await create({ url: `${RECEIVER}/hooks/admin-del`, events: ["attendance"] })).body.data;
    const del = await json("DELETE", `/admin/webhooks/${id}`);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ success: true, message: `Webhook '${id}' eliminado.`, data: { id } });
    expect((await json("GET", `/admin/webhooks/${id}`)).status).toBe(404);
    expect((await json("DELETE", `/admin/webhooks/${id}`)).body.code).toBe("WEBHOOK_NOT_FOUND");
    expect((await json("GET", `/admin/webhooks/${id}/deliveries`)).body.code).toBe("WEBHOOK_NOT_FOUND");
    const audit = await env.DB.prepare("SELECT status, result FROM audit_log WHERE action = 'webhooks.delete' AND path = ? ORDER BY id").bind(`/admin/webhooks/${id}`).all();
    expect(audit.results).toEqual([
      { status: 200, result: "ok" },
      { status: 404, result: "WEBHOOK_NOT_FOUND" },
    ]);
  });

  test("deliveries: 404 DELIVERY_NOT_FOUND for another webhook's or an unknown delivery; bad query is 400", async () => {
    const { id } = (await create({ url: `${RECEIVER}/hooks/admin-dl`, events: ["attendance"] })).body.data;
    const r = await json("POST", `/admin/webhooks/${id}/deliveries/dlv_00000000000000000000/retry`);
    expect(r.status).toBe(404);
    expect(r.body.code).toBe("DELIVERY_NOT_FOUND");
    expect((await json("GET", `/admin/webhooks/${id}/deliveries?status=lost`)).body.code).toBe("VALIDATION_FAILED");
    expect((await json("GET", `/admin/webhooks/${id}/deliveries?limit=0`)).body.code).toBe("VALIDATION_FAILED");
    const empty = await json("GET", `/admin/webhooks/${id}/deliveries`);
    expect(empty.body).toEqual({ success: true, data: [], next_cursor: null });
  });
});
