// The console's sign-in, session cookie, CSRF and CSP rules, against the real worker and D1 (docs/console.md).
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { sha256Hex } from "../../gateway/auth/crypto";
import { CONSOLE_CSP } from "../../gateway/ui/headers";
import { ConsoleClient } from "./console-helpers";
import { ADMIN, BASE, createKey, json } from "./helpers";

const COOKIE = "__Host-zkr_console";

describe("console sign-in", () => {
  test("an anonymous visit is sent to the sign-in page, which carries the strict CSP and no-store", async () => {
    const c = new ConsoleClient();
    const root = await c.get("/ui");
    expect(root.status).toBe(303);
    expect(root.location).toBe("/ui/login");
    const login = await c.get("/ui/login");
    expect(login.status).toBe(200);
    expect(login.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("default-src 'self'");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).toContain("script-src 'none'");
    expect(login.headers.get("cache-control")).toBe("no-store");
    expect(login.headers.get("x-frame-options")).toBe("DENY");
    expect(login.html).not.toMatch(/<script/i);
    expect(login.html).toContain('lang="es"');
    expect(login.html).toContain("Iniciar sesión");
  });

  test("English when the browser prefers it", async () => {
    const login = await new ConsoleClient("en-US,en;q=0.9").get("/ui/login");
    expect(login.html).toContain('lang="en"');
    expect(login.html).toContain("Sign in");
  });

  test("a good key opens a session: HttpOnly, Secure, SameSite=Strict cookie whose id is stored only hashed", async () => {
    const c = new ConsoleClient();
    const login = await c.get("/ui/login");
    const res = await c.post("/ui/login", { key: ADMIN, _csrf: ConsoleClient.csrfOf(login) });
    expect(res.status).toBe(303);
    expect(res.location).toBe("/ui/sites");
    const line = res.headers.getAll("set-cookie").find((l) => l.startsWith(`${COOKIE}=`))!;
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; Secure/);
    expect(line).toMatch(/; SameSite=Strict/);
    expect(line).toMatch(/; Path=\//);
    expect(line).not.toContain(ADMIN);
    const sid = c.cookies.get(COOKIE)!;
    expect(sid).toMatch(/^[\w-]{43}$/);
    const rows = await env.DB.prepare("SELECT * FROM console_sessions WHERE id_hash = ?").bind(await sha256Hex(sid)).all();
    expect(rows.results).toHaveLength(1);
    const row = rows.results[0] as Record<string, string>;
    expect(Object.values(row)).not.toContain(sid);
    expect(Object.values(row)).not.toContain(ADMIN);
    expect(row.key_id).toBe("bootstrap");
    expect(Date.parse(row.expires_at) - Date.now()).toBeGreaterThan(7 * 3600_000);
    const page = await c.get("/ui/sites");
    expect(page.status).toBe(200);
    expect(page.html).not.toContain(ADMIN);
  });

  test("a wrong key is refused without echoing it", async () => {
    const c = new ConsoleClient();
    const res = await c.signIn("zkr_key_not-a-real-key-0123456789");
    expect(res.status).toBe(401);
    expect(res.html).toContain("no es válida");
    expect(res.html).not.toContain("not-a-real-key");
    expect(c.cookies.has(COOKIE)).toBe(false);
  });

  test("the sign-in form needs its token and this origin", async () => {
    const c = new ConsoleClient();
    const login = await c.get("/ui/login");
    const token = ConsoleClient.csrfOf(login);
    expect((await c.post("/ui/login", { key: ADMIN })).status).toBe(403);
    expect((await c.post("/ui/login", { key: ADMIN, _csrf: token }, "https://evil.example")).status).toBe(403);
    expect((await c.post("/ui/login", { key: ADMIN, _csrf: token }, null)).status).toBe(403);
    expect(c.cookies.has(COOKIE)).toBe(false);
  });

  test("sign-out deletes the session: the old cookie no longer works", async () => {
    const c = new ConsoleClient();
    await c.signIn(ADMIN);
    const sid = c.cookies.get(COOKIE)!;
    const out = await c.post("/ui/logout", { _csrf: await c.csrf() });
    expect(out.status).toBe(303);
    expect(out.location).toBe("/ui/login");
    const row = await env.DB.prepare("SELECT 1 FROM console_sessions WHERE id_hash = ?").bind(await sha256Hex(sid)).first();
    expect(row).toBeNull();
    c.cookies.set(COOKIE, sid);
    expect((await c.get("/ui/sites")).location).toBe("/ui/login");
  });

  test("a revoked key ends its console sessions at once", async () => {
    const key = await createKey("read");
    const c = new ConsoleClient();
    expect((await c.signIn(key.key)).status).toBe(303);
    expect((await c.get("/ui/sites")).status).toBe(200);
    expect((await json("DELETE", `/admin/keys/${key.id}`)).status).toBe(200);
    const after = await c.get("/ui/sites");
    expect(after.status).toBe(303);
    expect(after.location).toBe("/ui/login");
  });

  test("an expired session is refused", async () => {
    const c = new ConsoleClient();
    await c.signIn(ADMIN);
    const hash = await sha256Hex(c.cookies.get(COOKIE)!);
    await env.DB.prepare("UPDATE console_sessions SET expires_at = ? WHERE id_hash = ?").bind(new Date(Date.now() - 1000).toISOString(), hash).run();
    expect((await c.get("/ui/sites")).location).toBe("/ui/login");
  });
});

describe("console CSRF", () => {
  test("a state-changing form without the session's token, or from another origin, changes nothing", async () => {
    const victim = await createKey("read");
    const c = new ConsoleClient();
    await c.signIn(ADMIN);
    const token = await c.csrf();
    const other = new ConsoleClient();
    await other.signIn(ADMIN);
    const otherToken = await other.csrf();
    expect(otherToken).not.toBe(token);
    for (const attempt of [
      () => c.post(`/ui/keys/${victim.id}/revoke`, {}),
      () => c.post(`/ui/keys/${victim.id}/revoke`, { _csrf: otherToken }),
      () => c.post(`/ui/keys/${victim.id}/revoke`, { _csrf: token.slice(0, -1) + (token.endsWith("0") ? "1" : "0") }),
      () => c.post(`/ui/keys/${victim.id}/revoke`, { _csrf: token }, "http://evil.test"),
      () => c.post(`/ui/keys/${victim.id}/revoke`, { _csrf: token }, null),
    ]) {
      const res = await attempt();
      expect(res.status).toBe(403);
    }
    const keys = await json("GET", "/admin/keys");
    expect(keys.body.data.find((k: any) => k.id === victim.id).revoked_at).toBeNull();
    const ok = await c.post(`/ui/keys/${victim.id}/revoke`, { _csrf: token });
    expect(ok.status).toBe(303);
    const after = await json("GET", "/admin/keys");
    expect(after.body.data.find((k: any) => k.id === victim.id).revoked_at).not.toBeNull();
    // Audited as the signed-in key, like the API call it is.
    const audit = await json("GET", "/audit?limit=5");
    expect(audit.body.data.some((r: any) => r.action === "keys.revoke" || r.path === `/admin/keys/${victim.id}`)).toBe(true);
  });

  test("the session cookie is no bearer key for the JSON API", async () => {
    const c = new ConsoleClient();
    await c.signIn(ADMIN);
    const res = await json("GET", "/devices", { key: null, headers: { cookie: `${COOKIE}=${c.cookies.get(COOKIE)}`, origin: BASE } });
    expect(res.status).toBe(401);
  });
});
