// CORS per deployment: off by default; with CORS_ORIGINS set, preflights answered without a key, allowed origins only.
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { app } from "../../gateway/app";
import { allowedOrigins } from "../../gateway/http/cors";
import { ADMIN, BASE, call, createSite } from "./helpers";

const ALLOWED = "https://rrhh.example";
const withCors = { ...env, CORS_ORIGINS: `${ALLOWED}, https://otro.example/` };
const preflight = (origin: string, method = "DELETE") => ({
  method: "OPTIONS",
  headers: { Origin: origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization, content-type" },
});

describe("CORS", () => {
  test("off by default: no CORS header, and a preflight is not answered as one", async () => {
    const res = await call("GET", "/devices", { headers: { origin: ALLOWED } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await app.request(`${BASE}/devices`, preflight(ALLOWED), env);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    expect(pre.status).not.toBe(204);
  });

  test("an allowed origin's preflight is answered without a key", async () => {
    const res = await app.request(`${BASE}/users/123`, preflight(ALLOWED), withCors);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(res.headers.get("access-control-allow-methods")).toContain("DELETE");
    expect(res.headers.get("access-control-allow-headers")).toContain("Authorization");
    expect(res.headers.get("vary")).toContain("Origin");
    const trailing = await app.request(`${BASE}/devices`, preflight("https://otro.example"), withCors);
    expect(trailing.status).toBe(204);
  });

  test("another origin's preflight is 403 in the envelope, without CORS headers", async () => {
    const res = await app.request(`${BASE}/devices`, preflight("https://malo.example"), withCors);
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(await res.json()).toEqual({ success: false, error: "Origen no permitido.", code: "FORBIDDEN" });
  });

  test("real requests: the allowed origin may read answers (errors too); the key is still required", async () => {
    const okRes = await app.request(`${BASE}/devices`, { headers: { Origin: ALLOWED, Authorization: `Bearer ${ADMIN}` } }, withCors);
    expect(okRes.status).toBe(200);
    expect(okRes.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(okRes.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
    const noKey = await app.request(`${BASE}/devices`, { headers: { Origin: ALLOWED } }, withCors);
    expect(noKey.status).toBe(401);
    expect(noKey.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    const denied = await app.request(`${BASE}/devices`, { headers: { Origin: "https://malo.example", Authorization: `Bearer ${ADMIN}` } }, withCors);
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("with CORS on, an agent still connects: its WebSocket upgrade (101) passes untouched", async () => {
    const site = await createSite();
    const res = await app.request(`${BASE}/agent/connect`, { headers: { Upgrade: "websocket", Authorization: `Bearer ${site.token}` } }, withCors);
    expect(res.status).toBe(101);
    res.webSocket?.accept();
    res.webSocket?.close(1000, "test done");
  });

  test("the allow-list: exact origins, commas or spaces, trailing slashes dropped", () => {
    expect([...allowedOrigins(" https://a.example, https://b.example/ https://c.example:8443 ")]).toEqual([
      "https://a.example",
      "https://b.example",
      "https://c.example:8443",
    ]);
    expect(allowedOrigins(undefined).size).toBe(0);
    expect(allowedOrigins("").size).toBe(0);
  });
});
