// GET /agent/connect: checks a site's agent token and hands the WebSocket upgrade to that site's SiteRelay.
import { Hono, type Context } from "hono";
import { pickLang, message, type Lang } from "../../shared/messages";
import { sha256Hex } from "../auth/crypto";
import type { Env } from "../env";
import { siteRelay } from "./call-agent";
import { SITE_ID_HEADER } from "./contract";

const TOKEN_TEXT: Record<Lang, string> = {
  es: "Falta el token del agente o no es válido.",
  en: "Missing or invalid agent token.",
};

// Agent tokens are `newSecret()` strings (~50 chars); anything much longer is not one of ours.
const MAX_TOKEN_CHARS = 512;

/** Mounted by the app with `app.route("/agent", agentConnect)`. */
export const agentConnect = new Hono<{ Bindings: Env }>();

agentConnect.get("/connect", async (c) => {
  const lang = pickLang(c.req.header("Accept-Language"));
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    const error = message(lang, "UPGRADE_REQUIRED");
    return c.json({ success: false, error, code: "UPGRADE_REQUIRED" }, 426, { Upgrade: "websocket" });
  }
  const siteId = await siteOfToken(c);
  if (siteId === undefined) {
    // One answer for absent, malformed and wrong tokens: the agent stops retrying on 401 (agent/relay/link.ts).
    return c.json({ success: false, error: TOKEN_TEXT[lang], code: "UNAUTHORIZED" }, 401, {
      "WWW-Authenticate": 'Bearer realm="zk-relay-agent"',
    });
  }
  // The site id travels in a header this Worker sets; whatever the client sent under that name is replaced,
  // and the token stays here.
  const headers = new Headers(c.req.raw.headers);
  headers.delete("Authorization");
  headers.set(SITE_ID_HEADER, siteId);
  const res = await siteRelay(c.env, siteId).fetch(new Request(c.req.url, { method: "GET", headers }));
  if (res.status === 101) await touchSite(c.env.DB, siteId);
  return res;
});

/** The site whose token the request carries (`Authorization: Bearer <token>`), or undefined. */
async function siteOfToken(c: Context<{ Bindings: Env }>): Promise<string | undefined> {
  const match = /^Bearer +(\S+) *$/i.exec(c.req.header("Authorization") ?? "");
  const token = match?.[1];
  if (token === undefined || token.length > MAX_TOKEN_CHARS) return undefined;
  // Tokens are stored hashed (migrations/0001_init.sql); the lookup compares hashes, never the token itself.
  const row = await c.env.DB.prepare("SELECT id FROM sites WHERE token_hash = ?").bind(await sha256Hex(token)).first<{ id: string }>();
  return row?.id;
}

async function touchSite(db: D1Database, siteId: string): Promise<void> {
  try {
    await db.prepare("UPDATE sites SET last_seen_at = ? WHERE id = ?").bind(new Date().toISOString(), siteId).run();
  } catch (e) {
    // The socket is already accepted; a missed timestamp must not turn it into an error.
    console.warn(`[agent-connect ${siteId}] could not update last_seen_at: ${e instanceof Error ? e.message : String(e)}`);
  }
}
