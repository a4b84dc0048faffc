// The registry and its administration: devices CRUD, sites and agent tokens, API keys, roles and site scoping.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, test } from "vitest";
import { sha256Hex } from "../../gateway/auth/crypto";
import { call, createDevice, createKey, createSite, json, waitFor, wipe } from "./helpers";

beforeEach(wipe);

describe("devices registry", () => {
  test("register, read, list, update, delete — never the comm key", async () => {
    const site = await createSite("norte");
    const created = await json("POST", "/devices", {
      body: { id: "Principal", ip: "127.0.0.1", password: 123456, site: site.id },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchInlineSnapshot(`
      {
        "data": {
          "has_password": true,
          "id": "principal",
          "ip": "127.0.0.1",
          "name": "principal",
          "port": 4370,
          "site": "norte",
          "timeout": 5,
          "transport": "tcp",
        },
        "message": "Dispositivo 'principal' registrado.",
        "success": true,
      }
    `);
    await createDevice({ id: "entrada", site: site.id, name: "Puerta", transport: "udp" });

    const list = await json("GET", "/devices");
    expect(list.body.data.map((d: { id: string }) => d.id)).toEqual(["entrada", "principal"]);
    expect(list.body.data[0]).toEqual({
      id: "entrada",
      name: "Puerta",
      ip: "127.0.0.1",
      port: 4370,
      timeout: 5,
      transport: "udp",
      site: "norte",
      has_password: false,
    });

    const one = await json("GET", "/devices/principal");
    expect(one.body).toEqual({ success: true, data: created.body.data });

    const updated = await json("PUT", "/devices/principal", { body: { name: "Recepción", port: 4371, password: 0, timeout: 2.5 } });
    expect(updated.status).toBe(200);
    expect(updated.body.message).toBe("Dispositivo 'principal' actualizado.");
    expect(updated.body.data).toMatchObject({ name: "Recepción", port: 4371, timeout: 2.5, has_password: false });
    const row = await env.DB.prepare("SELECT password FROM devices WHERE id = 'principal'").first<{ password: number }>();
    expect(row?.password).toBe(0);

    const empty = await json("PUT", "/devices/principal", { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe("VALIDATION_FAILED");

    const deleted = await json("DELETE", "/devices/principal");
    expect(deleted.body).toEqual({ success: true, message: "Dispositivo 'principal' eliminado." });
    const gone = await json("GET", "/devices/principal");
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({
      success: false,
      error: "Dispositivo 'principal' no encontrado.",
      disponibles: ["entrada"],
      code: "DEVICE_NOT_FOUND",
    });
    for (const r of [created, list, one, updated]) expect(r.text).not.toMatch(/"password"|123456/);
  });

  test("unknown device on PUT and DELETE → the seed's 404", async () => {
    const site = await createSite("norte");
    await createDevice({ id: "principal", site: site.id });
    for (const method of ["PUT", "DELETE"]) {
      const r = await json(method, "/devices/bodega", { body: method === "PUT" ? { name: "x" } : undefined });
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ success: false, error: "Dispositivo 'bodega' no encontrado.", disponibles: ["principal"], code: "DEVICE_NOT_FOUND" });
    }
  });

  test("duplicate id → 409 DEVICE_EXISTS; unknown site → 404 SITE_NOT_FOUND", async () => {
    const site = await createSite("norte");
    await createDevice({ id: "principal", site: site.id });
    const dup = await json("POST", "/devices", { body: { id: "PRINCIPAL", ip: "127.0.0.1", site: site.id } });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ success: false, error: "El dispositivo 'principal' ya existe.", code: "DEVICE_EXISTS" });
    const noSite = await json("POST", "/devices", { body: { id: "x", ip: "127.0.0.1", site: "sur" } });
    expect(noSite.status).toBe(404);
    expect(noSite.body).toEqual({ success: false, error: "Sitio 'sur' no encontrado.", code: "SITE_NOT_FOUND" });
    const moveNowhere = await json("PUT", "/devices/principal", { body: { site: "sur" } });
    expect(moveNowhere.status).toBe(404);
    expect(moveNowhere.body.code).toBe("SITE_NOT_FOUND");
  });

  test("site may be omitted only while exactly one site exists", async () => {
    const none = await json("POST", "/devices", { body: { id: "a", ip: "127.0.0.1" } });
    expect(none.status).toBe(400);
    await createSite("norte");
    const one = await json("POST", "/devices", { body: { id: "a", ip: "127.0.0.1" } });
    expect(one.status).toBe(201);
    expect(one.body.data.site).toBe("norte");
    await createSite("sur");
    const two = await json("POST", "/devices", { body: { id: "b", ip: "127.0.0.1" } });
    expect(two.status).toBe(400);
    expect(two.body).toEqual({
      success: false,
      error: "Indique 'site': hay más de un sitio.",
      details: [{ path: "site", message: "Indique 'site': hay más de un sitio." }],
      code: "VALIDATION_FAILED",
    });
    const moved = await json("PUT", "/devices/a", { body: { site: "sur" } });
    expect(moved.body.data.site).toBe("sur");
  });
});

describe("sites", () => {
  test("create (token once, stored hashed), list with counts and agent, delete, rotate", async () => {
    const created = await json("POST", "/admin/sites", { body: { id: "Norte", name: "Oficina Norte" } });
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({ id: "norte", name: "Oficina Norte", token: expect.stringMatching(/^zkr_site_[\w-]{43}$/) });
    const token: string = created.body.data.token;
    const stored = await env.DB.prepare("SELECT token_hash FROM sites WHERE id = 'norte'").first<{ token_hash: string }>();
    expect(stored?.token_hash).toBe(await sha256Hex(token));

    const dup = await json("POST", "/admin/sites", { body: { id: "norte" } });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ success: false, error: "El sitio 'norte' ya existe.", code: "SITE_EXISTS" });

    await createDevice({ id: "principal", site: "norte" });
    const list = await json("GET", "/admin/sites");
    expect(list.body).toEqual({ success: true, data: [{ id: "norte", name: "Oficina Norte", devices: 1, agent: { connected: false } }] });
    expect(list.text).not.toContain(token);
    expect(list.text).not.toContain(stored!.token_hash);

    const notEmpty = await json("DELETE", "/admin/sites/norte");
    expect(notEmpty.status).toBe(409);
    expect(notEmpty.body).toEqual({ success: false, error: "El sitio 'norte' todavía tiene dispositivos.", code: "SITE_NOT_EMPTY" });

    const rotated = await json("POST", "/admin/sites/norte/rotate-token");
    expect(rotated.status).toBe(200);
    expect(rotated.body.data).toEqual({ id: "norte", name: "Oficina Norte", token: expect.stringMatching(/^zkr_site_/) });
    expect(rotated.body.data.token).not.toBe(token);
    const after = await env.DB.prepare("SELECT token_hash FROM sites WHERE id = 'norte'").first<{ token_hash: string }>();
    expect(after?.token_hash).toBe(await sha256Hex(rotated.body.data.token));

    await json("DELETE", "/devices/principal");
    const deleted = await json("DELETE", "/admin/sites/norte");
    expect(deleted.body).toEqual({ success: true, data: { id: "norte", deleted: true } });
    for (const [method, path] of [["DELETE", "/admin/sites/norte"], ["POST", "/admin/sites/norte/rotate-token"]]) {
      const r = await json(method, path);
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ success: false, error: "Sitio 'norte' no encontrado.", code: "SITE_NOT_FOUND" });
    }
  });
});

describe("API keys", () => {
  test("create (key once), use, list without secrets, revoke", async () => {
    await createSite("norte");
    const created = await json("POST", "/admin/keys", { body: { name: "rrhh", role: "read", sites: ["norte"] } });
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({
      id: expect.stringMatching(/^key_[0-9a-f]{16}$/),
      name: "rrhh",
      role: "read",
      sites: ["norte"],
      key: expect.stringMatching(/^zkr_key_[\w-]{43}$/),
    });
    const { id, key } = created.body.data;
    expect((await call("GET", "/devices", { key })).status).toBe(200);

    // last_used_at is written after the answer (waitUntil).
    let list = await json("GET", "/admin/keys");
    await waitFor(async () => {
      list = await json("GET", "/admin/keys");
      return list.body.data[0].last_used_at !== null;
    });
    expect(list.body.data).toEqual([
      { id, name: "rrhh", role: "read", sites: ["norte"], created_at: expect.any(String), last_used_at: expect.any(String), revoked_at: null },
    ]);
    const hash = await sha256Hex(key);
    expect(list.text).not.toContain(key);
    expect(list.text).not.toContain(hash);
    expect(list.text).not.toContain("key_hash");

    const revoked = await json("DELETE", `/admin/keys/${id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.data).toMatchObject({ id, revoked_at: expect.any(String) });
    expect((await call("GET", "/devices", { key })).status).toBe(401);
    const again = await json("DELETE", `/admin/keys/${id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ success: false, error: `Clave '${id}' no encontrada.`, code: "KEY_NOT_FOUND" });
  });

  test("bad bodies and unknown sites are refused", async () => {
    const badRole = await json("POST", "/admin/keys", { body: { name: "x", role: "root" } });
    expect(badRole.status).toBe(400);
    expect(badRole.body.details[0].path).toBe("role");
    const unknownSite = await json("POST", "/admin/keys", { body: { name: "x", role: "read", sites: ["sur"] } });
    expect(unknownSite.status).toBe(404);
    expect(unknownSite.body.code).toBe("SITE_NOT_FOUND");
    const noName = await json("POST", "/admin/sites", { body: { name: "sin id" } });
    expect(noName.status).toBe(400);
  });
});

describe("roles and site scoping", () => {
  test("read keys read; write and registry changes need more; admin routes need admin", async () => {
    const site = await createSite("norte");
    await createDevice({ id: "principal", site: site.id });
    const read = await createKey("read");
    const write = await createKey("write");
    expect((await call("GET", "/devices/principal", { key: read.key })).status).toBe(200);
    const forbidden = await json("POST", "/devices", { key: write.key, body: { id: "x", ip: "127.0.0.1" } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ success: false, error: "La clave de API no tiene permiso para esta operación.", code: "FORBIDDEN" });
    for (const [method, path, body] of [
      ["PUT", "/devices/principal", { name: "x" }],
      ["DELETE", "/devices/principal", undefined],
      ["GET", "/admin/sites", undefined],
      ["POST", "/admin/sites", { id: "sur" }],
      ["GET", "/admin/keys", undefined],
      ["POST", "/admin/keys", { name: "k", role: "admin" }],
      ["GET", "/audit", undefined],
    ] as const) {
      for (const key of [read.key, write.key]) {
        const r = await json(method, path, { key, body });
        expect(r.status, `${method} ${path}`).toBe(403);
      }
    }
    // Every mutating device/user route refuses a read key (the device is visible, so this is 403, not 404).
    for (const [method, path] of [
      ["POST", "/devices/principal/users"],
      ["PUT", "/devices/principal/users/123"],
      ["DELETE", "/devices/principal/users/123"],
      ["POST", "/devices/principal/users/123/restore"],
      ["POST", "/devices/principal/users/123/enroll-finger"],
      ["POST", "/devices/principal/sync-time"],
      ["DELETE", "/users/123"],
    ]) {
      const r = await json(method, path, { key: read.key, body: {} });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.code).toBe("FORBIDDEN");
    }
  });

  test("a site-scoped key sees only its sites' devices; others do not exist for it", async () => {
    await createSite("norte");
    await createSite("sur");
    await createDevice({ id: "principal", site: "norte" });
    await createDevice({ id: "entrada", site: "norte" });
    await createDevice({ id: "bodega", site: "sur" });
    const scoped = await createKey("write", ["norte"]);

    const list = await json("GET", "/devices", { key: scoped.key });
    expect(list.body.data.map((d: { id: string }) => d.id)).toEqual(["entrada", "principal"]);
    for (const [method, path] of [
      ["GET", "/devices/bodega"],
      ["GET", "/devices/bodega/users"],
      ["DELETE", "/devices/bodega/users/123"],
      ["GET", "/devices/bodega/attendance"],
    ]) {
      const r = await json(method, path, { key: scoped.key });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body).toEqual({
        success: false,
        error: "Dispositivo 'bodega' no encontrado.",
        disponibles: ["entrada", "principal"],
        code: "DEVICE_NOT_FOUND",
      });
    }
    const offboard = await json("DELETE", "/users/123?devices=bodega", { key: scoped.key });
    expect(offboard.status).toBe(404);
    expect(offboard.body.disponibles).toEqual(["entrada", "principal"]);
  });

  test("a site-scoped admin cannot create devices elsewhere nor manage sites and keys", async () => {
    await createSite("norte");
    await createSite("sur");
    const scopedAdmin = await createKey("admin", ["norte"]);
    const elsewhere = await json("POST", "/devices", { key: scopedAdmin.key, body: { id: "x", ip: "127.0.0.1", site: "sur" } });
    expect(elsewhere.status).toBe(403);
    const unknownElsewhere = await json("POST", "/devices", { key: scopedAdmin.key, body: { id: "x", ip: "127.0.0.1", site: "oeste" } });
    expect(unknownElsewhere.status).toBe(403);
    // With one visible site, the site may be omitted.
    const home = await json("POST", "/devices", { key: scopedAdmin.key, body: { id: "x", ip: "127.0.0.1" } });
    expect(home.status).toBe(201);
    expect(home.body.data.site).toBe("norte");
    expect((await call("POST", "/admin/keys", { key: scopedAdmin.key, body: { name: "k", role: "admin" } })).status).toBe(403);
    expect((await call("POST", "/admin/sites/sur/rotate-token", { key: scopedAdmin.key })).status).toBe(403);
  });
});
