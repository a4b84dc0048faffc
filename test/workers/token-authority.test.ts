// The site's SiteRelay is the authority on its agent token: rotation and deletion cannot race an upgrade.
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { sha256Hex } from "../../gateway/auth/crypto";
import type { Env } from "../../gateway/env";
import { SITE_ID_HEADER, TOKEN_HASH_HEADER } from "../../gateway/relay/contract";
import { createSite, json, wipe } from "./helpers";
import { interceptDb, requestWith } from "./intercept";
import { connectAgent, connectRequest, insertSite, relayOf, ScriptedAgent, until } from "./relay-helpers";

const open: ScriptedAgent[] = [];
beforeEach(wipe);
afterEach(() => {
  for (const a of open.splice(0)) {
    try {
      a.close(1000, "test done");
    } catch {
      // closed by the gateway already
    }
  }
  vi.restoreAllMocks();
});

/** An upgrade straight to the site's Durable Object, as connect.ts forwards it after its D1 lookup. */
function upgradeAt(siteId: string, tokenHash: string): Promise<Response> {
  return relayOf(siteId).fetch("http://do/connect", {
    headers: { Upgrade: "websocket", [SITE_ID_HEADER]: siteId, [TOKEN_HASH_HEADER]: tokenHash, "Accept-Language": "en" },
  });
}

async function expectRefused(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.webSocket).toBeNull();
  expect(await res.json()).toEqual({ success: false, error: "Missing or invalid agent token.", code: "UNAUTHORIZED" });
}

describe("token rotation racing an agent upgrade", () => {
  test("rotated between connect.ts's D1 check and the hand-off: the old token is refused, no agent connects", async () => {
    const site = await createSite("norte");
    // connect.ts finds the old token in D1; the rotation lands right after, before the upgrade reaches the relay.
    const racingDb = interceptDb(env.DB, async (sql, _method, proceed) => {
      const result = await proceed();
      if (/FROM sites WHERE token_hash/.test(sql)) {
        const rotated = await (exports as unknown as { default: Fetcher }).default.fetch(`http://gateway.test/admin/sites/${site.id}/rotate-token`, {
          method: "POST",
          headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` },
        });
        expect(rotated.status).toBe(200);
      }
      return result;
    });
    const res = await requestWith({ DB: racingDb }, "GET", "/agent/connect", {
      headers: { authorization: `Bearer ${site.token}`, upgrade: "websocket", "accept-language": "en" },
    });
    if (res.webSocket) open.push(new ScriptedAgent(res.webSocket));
    await expectRefused(res);
    expect(await relayOf(site.id).status()).toEqual({ connected: false });
  });

  test("the relay refuses a hash that is not the site's current token, accepts the current one", async () => {
    const site = await createSite("norte");
    await expectRefused(await upgradeAt(site.id, await sha256Hex("zkr_site_not-the-token")));
    const ok = await upgradeAt(site.id, await sha256Hex(site.token));
    expect(ok.status).toBe(101);
    open.push(new ScriptedAgent(ok.webSocket!));
  });

  test("after a rotation the relay refuses the old token even if connect.ts let it through", async () => {
    const site = await createSite("norte");
    const old = await connectAgent(site);
    open.push(old);
    const rotated = await json("POST", `/admin/sites/${site.id}/rotate-token`);
    expect(await old.closed).toEqual({ code: 4001, reason: "token rotated" });
    await expectRefused(await upgradeAt(site.id, await sha256Hex(site.token)));
    const fresh = await connectAgent({ token: rotated.body.data.token });
    open.push(fresh);
    expect(await relayOf(site.id).status()).toMatchObject({ connected: true });
  });

  test("a deleted site's relay refuses every upgrade, and closes the agent it had", async () => {
    const site = await createSite("norte");
    const agent = await connectAgent(site);
    open.push(agent);
    expect((await json("DELETE", `/admin/sites/${site.id}`)).status).toBe(200);
    expect(await agent.closed).toEqual({ code: 4001, reason: "site deleted" });
    await expectRefused(await upgradeAt(site.id, await sha256Hex(site.token)));
  });

  test("setToken closes only connections made with another token and says how many", async () => {
    const site = await createSite("norte");
    const agent = await connectAgent(site);
    open.push(agent);
    expect(await relayOf(site.id).setToken(await sha256Hex(site.token))).toBe(0);
    expect(await relayOf(site.id).status()).toMatchObject({ connected: true });
    expect(await relayOf(site.id).setToken(await sha256Hex("zkr_site_other"))).toBe(1);
    expect(await agent.closed).toEqual({ code: 4001, reason: "token rotated" });
  });
});

describe("sites from before the relay held tokens", () => {
  test("no stored hash: the first upgrade is trusted (connect.ts checked D1) and its hash becomes the rule", async () => {
    const site = await insertSite(); // straight into D1: the relay was never told
    const agent = await connectAgent(site);
    open.push(agent);
    await expectRefused(await upgradeAt(site.id, await sha256Hex("zkr_site_someone-else")));
  });

  test("a relay left behind by a failed setToken catches up when D1 holds the presented token", async () => {
    const site = await createSite("norte");
    const newToken = "zkr_site_rotated-while-the-relay-was-down";
    await env.DB.prepare("UPDATE sites SET token_hash = ? WHERE id = ?").bind(await sha256Hex(newToken), site.id).run();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const agent = await connectAgent({ token: newToken });
    open.push(agent);
    expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toContain("caught up");
    await expectRefused(await upgradeAt(site.id, await sha256Hex(site.token)));
    // connect.ts refuses the old token from D1 alone.
    expect((await connectRequest({ Upgrade: "websocket", Authorization: `Bearer ${site.token}` })).status).toBe(401);
  });
});

describe("a relay that cannot be told", () => {
  /** A SITE_RELAY whose stubs throw on every call, as a Durable Object being reset would. */
  const brokenRelay = {
    idFromName: (name: string) => env.SITE_RELAY.idFromName(name),
    get: () => {
      const fail = async () => {
        throw new Error("Durable Object reset");
      };
      return { setToken: fail, disconnect: fail, status: fail, relay: fail, fetch: fail };
    },
  } as unknown as Env["SITE_RELAY"];

  test("rotate-token still answers the new token (logged); the relay catches up on the next upgrade", async () => {
    const site = await createSite("norte");
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await requestWith({ SITE_RELAY: brokenRelay }, "POST", `/admin/sites/${site.id}/rotate-token`);
    expect(res.status).toBe(200);
    const token = ((await res.json()) as { data: { token: string } }).data.token;
    expect(token).toMatch(/^zkr_site_/);
    expect(error.mock.calls.map((c) => String(c[0])).join("\n")).toContain(`site ${site.id}: the relay was not told of the new token`);
    const agent = await connectAgent({ token });
    open.push(agent);
    await until(async () => (await relayOf(site.id).status()).connected);
  });

  test("deleting a site still succeeds (logged)", async () => {
    const site = await createSite("norte");
    vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await requestWith({ SITE_RELAY: brokenRelay }, "DELETE", `/admin/sites/${site.id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, data: { id: site.id, deleted: true } });
  });
});
