// Console sessions: a random cookie id (only its hash stored), tied to the signed-in key, re-checked on every request.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { activeKeyByHash } from "../auth/cached-rows";
import { sha256Hex, timingSafeEqualText } from "../auth/crypto";
import { BOOTSTRAP_KEY_ID, resolvePrincipal, type Principal } from "../auth/principal";
import { deleteSession, findSession, insertSession } from "../db/console-sessions";
import type { Env } from "../env";
import type { AppEnv } from "../http/app-env";
import { csrfTokenFor } from "./csrf";

/** docs/console.md §2: a sign-in lasts 8 hours, then the key is pasted again. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

/** The signed-in console user, as every page sees it. */
export interface ConsoleSession {
  idHash: string;
  keyId: string;
  principal: Principal;
  /** The per-session CSRF token every state-changing form carries. */
  csrf: string;
  expiresAt: string;
}

/**
 * docs/console.md §2: `__Host-` + Secure in production. CONSOLE_INSECURE_COOKIE="1" is for a plain-http dev
 * host other than localhost/127.0.0.1 only (browsers drop Secure cookies there); it never weakens a deployment
 * that does not set it.
 */
export function cookieName(env: Env): string {
  return insecureCookie(env) ? "zkr_console" : "__Host-zkr_console";
}

function insecureCookie(env: Env): boolean {
  return env.CONSOLE_INSECURE_COOKIE === "1";
}

/** 32 random bytes, base64url: the cookie value and the only copy of the session id. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Signs in with a pasted API key: null when the key is not a live one, else the new session (cookie set). */
export async function signIn(c: Context<AppEnv>, key: string): Promise<ConsoleSession | null> {
  const resolved = await resolvePrincipal(c.env, key);
  if (!resolved) return null;
  const sid = randomId();
  const now = Date.now();
  const idHash = await sha256Hex(sid);
  const expiresAt = new Date(now + SESSION_TTL_MS).toISOString();
  const keyId = resolved.principal.keyId;
  await insertSession(c.env.DB, { id_hash: idHash, key_id: keyId, key_hash: await sha256Hex(key), created_at: new Date(now).toISOString(), expires_at: expiresAt });
  setCookie(c, cookieName(c.env), sid, {
    path: "/",
    httpOnly: true,
    secure: !insecureCookie(c.env),
    sameSite: "Strict",
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
  return { idHash, keyId, principal: resolved.principal, csrf: await csrfTokenFor(sid), expiresAt };
}

/**
 * The session of this request, or null. The key behind it is resolved again each time, so a revoked key (or a
 * changed ADMIN_API_KEY) ends its sessions at once, and a key's narrowed sites apply at once.
 */
export async function currentSession(c: Context<AppEnv>): Promise<ConsoleSession | null> {
  const sid = getCookie(c, cookieName(c.env));
  if (!sid || sid.length > 128) return null;
  const idHash = await sha256Hex(sid);
  const row = await findSession(c.env.DB, idHash, new Date().toISOString());
  if (!row) return null;
  const principal = await principalOf(c.env, row.key_id, row.key_hash);
  if (!principal) {
    await deleteSession(c.env.DB, idHash);
    return null;
  }
  return { idHash, keyId: row.key_id, principal, csrf: await csrfTokenFor(sid), expiresAt: row.expires_at };
}

async function principalOf(env: Env, keyId: string, keyHash: string): Promise<Principal | null> {
  if (keyId === BOOTSTRAP_KEY_ID) {
    const admin = env.ADMIN_API_KEY ?? "";
    const same = await timingSafeEqualText(await sha256Hex(admin), keyHash);
    return admin.length > 0 && same ? { keyId, role: "admin", sites: null } : null;
  }
  const row = await activeKeyByHash(env, keyHash);
  if (!row || row.id !== keyId) return null;
  return { keyId: row.id, role: row.role, sites: row.sites === null ? null : (JSON.parse(row.sites) as string[]) };
}

/** Sign-out: the row is deleted and the cookie cleared. */
export async function signOut(c: Context<AppEnv>, session: ConsoleSession): Promise<void> {
  await deleteSession(c.env.DB, session.idHash);
  deleteCookie(c, cookieName(c.env), { path: "/", secure: !insecureCookie(c.env) });
}
