// GET /agent/connect through the whole Worker: token check, upgrade check, hand-off to the site's SiteRelay.
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { RELAY_VERSION } from "../../shared/relay";
import { connectAgent, connectRequest, insertSite, relayOf, ScriptedAgent, until } from "./relay-helpers";

describe("GET /agent/connect", () => {
  test("without a token: 401 in the envelope, no socket", async () => {
    const res = await connectRequest({ Upgrade: "websocket" });
    expect(res.status).toBe(401);
    expect(res.webSocket).toBeNull();
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer /);
    expect(await res.json()).toMatchInlineSnapshot(`
      {
        "code": "UNAUTHORIZED",
        "error": "Falta el token del agente o no es válido.",
        "success": false,
      }
    `);
  });

  test("with a wrong, malformed or other-scheme token: 401", async () => {
    const site = await insertSite();
    for (const authorization of [`Bearer ${site.token}x`, "Bearer", `Basic ${site.token}`, `Bearer ${"a".repeat(600)}`, site.token]) {
      const res = await connectRequest({ Upgrade: "websocket", Authorization: authorization, "Accept-Language": "en" });
      expect(res.status, authorization.slice(0, 20)).toBe(401);
      expect(await res.json()).toEqual({ success: false, error: "Missing or invalid agent token.", code: "UNAUTHORIZED" });
    }
    expect(await relayOf(site.id).status()).toEqual({ connected: false });
  });

  test("without Upgrade: websocket: 426 in the envelope", async () => {
    const site = await insertSite();
    const res = await connectRequest({ Authorization: `Bearer ${site.token}`, "Accept-Language": "en" });
    expect(res.status).toBe(426);
    expect(res.headers.get("Upgrade")).toBe("websocket");
    expect(await res.json()).toEqual({
      success: false,
      error: "This route expects a WebSocket upgrade (Upgrade: websocket).",
      code: "UPGRADE_REQUIRED",
    });
  });

  test("a valid token upgrades to the site's SiteRelay and records last_seen_at", async () => {
    const site = await insertSite();
    const before = new Date().toISOString();
    const agent = await connectAgent(site);
    try {
      const row = await env.DB.prepare("SELECT last_seen_at FROM sites WHERE id = ?").bind(site.id).first<{ last_seen_at: string }>();
      expect(row?.last_seen_at && row.last_seen_at >= before).toBe(true);
      expect(await relayOf(site.id).status()).toMatchObject({ connected: true });
      agent.send({ v: RELAY_VERSION, type: "ping", ts: 5 });
      expect(await agent.next("pong")).toMatchObject({ ts: 5 });
    } finally {
      agent.close();
    }
    await until(async () => !(await relayOf(site.id).status()).connected);
  });

  test("the site comes from the token, never from a client-sent X-Site-Id", async () => {
    const mine = await insertSite();
    const other = await insertSite();
    const res = await connectRequest({ Upgrade: "websocket", Authorization: `Bearer ${mine.token}`, "X-Site-Id": other.id });
    expect(res.status).toBe(101);
    const agent = new ScriptedAgent(res.webSocket!);
    try {
      agent.hello("spoofer");
      await until(async () => (await relayOf(mine.id).status()).hostname === "spoofer");
      expect(await relayOf(other.id).status()).toEqual({ connected: false });
    } finally {
      agent.close();
    }
  });
});
