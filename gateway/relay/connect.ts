// GET /agent/connect: finds the site of an agent token and hands the WebSocket upgrade to that site's SiteRelay.
import { Hono, type Context } from "hono";
import { message, pickLang } from "../../shared/messages";
import { bearerToken } from "../auth/bearer";
import { sha256Hex } from "../auth/crypto";
import { findSiteIdByTokenHash, touchSite } from "../db/sites";
import type { Env } from "../env";
import { siteRelay } from "./call-agent";
import { SITE_ID_HEADER, TOKEN_HASH_HEADER } from "./contract";

/** Mounted by the app with `app.route("/agent", agentConnect)`. */
export const agentConnect = new Hono<{ Bindings: Env }>();

agentConnect.get("/connect", async (c) => {
  const lang = pickLang(c.req.header("Accept-Language"));
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    const error = message(lang, "UPGRADE_REQUIRED");
    return c.json({ success: false, error, code: "UPGRADE_REQUIRED" }, 426, { Upgrade: "websocket" });
  }
  const token = bearerToken(c.req.header("Authorization"));
  // Tokens are stored hashed (migrations/0001_init.sql); from here on only the hash travels.
  const tokenHash = token === undefined ? undefined : await sha256Hex(token);
  const siteId = tokenHash === undefined ? undefined : await findSiteIdByTokenHash(c.env.DB, tokenHash);
  if (tokenHash === undefined || siteId === undefined) {
    // One answer for absent, malformed and wrong tokens: the agent stops retrying on 401 (agent/relay/link.ts).
    return c.json({ success: false, error: message(lang, "AGENT_UNAUTHORIZED"), code: "UNAUTHORIZED" }, 401, {
      "WWW-Authenticate": 'Bearer realm="zk-relay-agent"',
    });
  }
  // Site id and token hash travel in headers this Worker sets (whatever the client sent under those names is
  // replaced); the Durable Object re-checks the hash against its own, current one. The token stays here.
  const headers = new Headers(c.req.raw.headers);
  headers.delete("Authorization");
  headers.set(SITE_ID_HEADER, siteId);
  headers.set(TOKEN_HASH_HEADER, tokenHash);
  const res = await siteRelay(c.env, siteId).fetch(new Request(c.req.url, { method: "GET", headers }));
  if (res.status === 101) await recordSeen(c, siteId);
  return res;
});

async function recordSeen(c: Context<{ Bindings: Env }>, siteId: string): Promise<void> {
  try {
    await touchSite(c.env.DB, siteId, new Date().toISOString());
  } catch (e) {
    // The socket is already accepted; a missed timestamp must not turn it into an error.
    console.warn(`[agent-connect ${siteId}] could not update last_seen_at: ${e instanceof Error ? e.message : String(e)}`);
  }
}
