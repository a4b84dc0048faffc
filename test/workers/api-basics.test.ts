// The HTTP edge: root, docs, unknown routes, 405, auth failures, body limits, validation, language, 500s.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, test } from "vitest";
import { app } from "../../gateway/app";
import { OPERATIONS } from "../../gateway/operations";
import { SCALAR_CDN } from "../../gateway/routes/docs";
import { call, createDevice, createSite, json, wipe } from "./helpers";

beforeEach(wipe);

describe("GET /", () => {
  test("is public and counts the registry's devices", async () => {
    const site = await createSite("norte");
    await createDevice({ id: "principal", site: site.id });
    await createDevice({ id: "entrada", site: site.id });
    const r = await json("GET", "/", { key: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true, data: { service: "zk-relay", status: "ok", version: "0.1.0", devices: 2 } });
    expect(r.headers.get("x-request-id")).toMatch(/^[\w-]+$/);
  });
});

describe("unknown routes and methods", () => {
  test("unknown path → 404 NOT_FOUND in the envelope", async () => {
    const r = await json("GET", "/nothing/here");
    expect(r.status).toBe(404);
    expect(r.body).toMatchInlineSnapshot(`
      {
        "code": "NOT_FOUND",
        "error": "Ruta no encontrada.",
        "success": false,
      }
    `);
  });

  test("wrong method on a known path → 405 METHOD_NOT_ALLOWED with Allow", async () => {
    const r = await json("PATCH", "/devices");
    expect(r.status).toBe(405);
    expect(r.body).toEqual({ success: false, error: "Método no permitido.", code: "METHOD_NOT_ALLOWED" });
    expect(r.headers.get("allow")?.split(", ").sort()).toEqual(["GET", "HEAD", "POST"]);
    const put = await json("PUT", "/admin/keys");
    expect(put.status).toBe(405);
  });
});

describe("authentication", () => {
  test("no key → 401 UNAUTHORIZED with WWW-Authenticate: Bearer", async () => {
    const r = await json("GET", "/devices", { key: null });
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(r.body).toMatchInlineSnapshot(`
      {
        "code": "UNAUTHORIZED",
        "error": "Falta la clave de API o no es válida.",
        "success": false,
      }
    `);
  });

  test("a wrong key, a malformed header and a Basic header all answer 401", async () => {
    for (const authorization of ["Bearer zkr_key_not-a-real-key", "Bearer", "Basic dXNlcjpwYXNz", "test-admin-key-0123456789"]) {
      const res = await call("GET", "/devices", { key: null, headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe("UNAUTHORIZED");
    }
  });

  test("the scheme is case-insensitive", async () => {
    const res = await call("GET", "/devices", { key: null, headers: { authorization: `bearer ${env.ADMIN_API_KEY}` } });
    expect(res.status).toBe(200);
  });

  test("Accept-Language: en gives English messages", async () => {
    const r = await json("GET", "/devices", { key: null, headers: { "accept-language": "en-US,en;q=0.9" } });
    expect(r.body).toEqual({ success: false, error: "Missing or invalid API key.", code: "UNAUTHORIZED" });
    expect(r.headers.get("content-language")).toBe("en");
    const es = await json("GET", "/devices", { key: null, headers: { "accept-language": "es-MX" } });
    expect(es.body.error).toBe("Falta la clave de API o no es válida.");
  });
});

describe("request bodies", () => {
  test("a body that is not JSON → 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    const r = await json("POST", "/admin/sites", { raw: "id=norte", contentType: "application/x-www-form-urlencoded" });
    expect(r.status).toBe(415);
    expect(r.body).toEqual({
      success: false,
      error: "El cuerpo debe ser JSON (Content-Type: application/json).",
      code: "UNSUPPORTED_MEDIA_TYPE",
    });
  });

  test("invalid JSON → 400 BAD_REQUEST", async () => {
    const r = await json("POST", "/admin/sites", { raw: '{"id": "norte",' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("BAD_REQUEST");
    expect(r.body.error).toMatch(/^Solicitud no válida: /);
  });

  test("more than 64 KiB → 413 PAYLOAD_TOO_LARGE (also without a Content-Length)", async () => {
    const big = JSON.stringify({ id: "norte", name: "x".repeat(70 * 1024) });
    const r = await json("POST", "/admin/sites", { raw: big });
    expect(r.status).toBe(413);
    expect(r.body).toEqual({ success: false, error: "El cuerpo de la solicitud es demasiado grande.", code: "PAYLOAD_TOO_LARGE" });
    // A streamed body has no Content-Length: the cap counts the bytes that arrive.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
        for (let i = 0; i < 5; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await app.request(
      "/admin/sites",
      { method: "POST", body: stream, headers: { "content-type": "application/json", authorization: `Bearer ${env.ADMIN_API_KEY}` }, duplex: "half" } as RequestInit,
      env,
    );
    expect(res.status).toBe(413);
    expect((await res.json()) as object).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  });

  test("schema failures → 400 VALIDATION_FAILED with details [{path, message}]", async () => {
    const site = await createSite("norte");
    const r = await json("POST", "/devices", { body: { id: "principal", ip: "127.0.0.1", port: 70000, site: site.id } });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("VALIDATION_FAILED");
    expect(r.body.error).toMatch(/^Datos no válidos: port: /);
    expect(r.body.details).toEqual([{ path: "port", message: expect.any(String) }]);

    const missing = await json("POST", "/devices", { body: { id: "principal", site: site.id } });
    expect(missing.body.details.map((d: { path: string }) => d.path)).toEqual(["ip"]);
    const extra = await json("POST", "/devices", { body: { id: "principal", ip: "127.0.0.1", site: site.id, colour: "red" } });
    expect(extra.status).toBe(400);
    const noBody = await json("POST", "/devices");
    expect(noBody.status).toBe(400);
    expect(noBody.body.code).toBe("VALIDATION_FAILED");
  });

  test("bad ids in the path → 400 VALIDATION_FAILED", async () => {
    const bad = await json("GET", "/devices/no!pe");
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("VALIDATION_FAILED");
    expect(bad.body.details[0].path).toBe("id");
    const site = await createSite("norte");
    await createDevice({ id: "principal", site: site.id });
    const badUser = await json("DELETE", `/devices/principal/users/${encodeURIComponent("a b")}`);
    expect(badUser.status).toBe(400);
    expect(badUser.body.details[0].path).toBe("user_id");
    const longUser = await json("GET", `/devices/principal/users/${"9".repeat(25)}/fingers`);
    expect(longUser.status).toBe(400);
  });

  test("path ids are normalised as the seed does: case and spaces", async () => {
    const site = await createSite("norte");
    await createDevice({ id: "Bodega Norte", site: site.id });
    const r = await json("GET", `/devices/${encodeURIComponent("BODEGA NORTE")}`);
    expect(r.status).toBe(200);
    expect(r.body.data.id).toBe("bodega_norte");
  });
});

describe("unexpected failures", () => {
  test("an exception answers 500 INTERNAL with a generic message and no stack", async () => {
    const broken = {
      prepare() {
        throw new Error("SQLITE_CORRUPT at /secret/path.ts:12");
      },
    } as unknown as D1Database;
    const res = await app.request("/devices", { headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` } }, { ...env, DB: broken });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ success: false, error: "Error interno.", code: "INTERNAL" });
    expect(text).not.toMatch(/SQLITE|secret|\.ts/);
  });
});

describe("OpenAPI and docs", () => {
  test("openapi.json is OpenAPI 3.1 and documents every route of the app", async () => {
    const r = await json("GET", "/openapi.json", { key: null });
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe("3.1.0");
    expect(r.body.info).toMatchObject({ title: expect.any(String), version: "0.1.0" });
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(r.body.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const routes = new Set(
      // The admin console's HTML pages (/ui, docs/console.md) are not part of the JSON API.
      app.routes.filter((rt) => rt.method !== "ALL" && !rt.path.startsWith("/ui")).map((rt) => `${rt.method} ${rt.path.replace(/:([A-Za-z_]+)/g, "{$1}")}`),
    );
    expect([...routes].sort()).toEqual([...documented].sort());
    expect(OPERATIONS.length).toBe(routes.size);

    const del = r.body.paths["/devices/{id}/users/{user_id}"].delete;
    expect(del.operationId).toBe("users.delete");
    expect(Object.keys(del.responses)).toEqual(expect.arrayContaining(["200", "401", "403", "404", "500", "503"]));
    const create = r.body.paths["/devices"].post;
    expect(create.requestBody.content["application/json"].schema).toMatchObject({ type: "object", required: ["id", "ip"] });
    expect(create.requestBody.content["application/json"].schema.properties.port).toMatchObject({ type: "integer", default: 4370 });
    expect(r.body.components.securitySchemes.apiKey).toEqual(expect.objectContaining({ type: "http", scheme: "bearer" }));
    const attendance = r.body.paths["/devices/{id}/attendance"].get;
    const own = attendance.parameters.filter((p: { $ref?: string }) => p.$ref === undefined);
    expect(own.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      "path:id",
      "query:user_id",
      "query:date",
      "query:from",
      "query:to",
      "query:after",
      "query:limit",
    ]);

    // Every status a route can answer is described, with the edge's headers.
    expect(Object.keys(r.body.paths["/agent/connect"].get.responses)).toEqual(expect.arrayContaining(["101", "401", "426"]));
    const getDevice = r.body.paths["/devices/{id}"].get.responses;
    expect(Object.keys(getDevice)).toEqual(expect.arrayContaining(["200", "400", "401", "404", "500"]));
    expect(getDevice["400"].content["application/json"].examples.VALIDATION_FAILED.value.code).toBe("VALIDATION_FAILED");
    expect(getDevice["200"].headers["X-Request-Id"]).toEqual({ $ref: "#/components/headers/X-Request-Id" });
    expect(del.responses["200"].headers["Idempotent-Replayed"]).toEqual({ $ref: "#/components/headers/Idempotent-Replayed" });
    expect(Object.keys(r.body.paths["/devices/{id}/ping"].get.responses)).toEqual(expect.arrayContaining(["503"]));
    expect(r.body.servers).toEqual([{ url: "/", description: expect.any(String) }]);
    // The door unlock is documented from its declaration alone.
    const unlock = r.body.paths["/devices/{id}/unlock"].post;
    expect(unlock).toMatchObject({ operationId: "door.unlock", "x-required-role": "write" });
    expect(unlock.requestBody.content["application/json"].schema).toMatchObject({ required: ["seconds"], additionalProperties: false });
  });

  test("/docs is Scalar's interactive reference of /openapi.json, its script pinned", async () => {
    const res = await call("GET", "/docs", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain(`<script src="${SCALAR_CDN}">`);
    expect(SCALAR_CDN).toMatch(/@\d+\.\d+\.\d+$/);
    expect(html).toMatch(/Scalar\.createApiReference\('#app', \{[^]*"url": "\/openapi\.json"/);
  });
});
