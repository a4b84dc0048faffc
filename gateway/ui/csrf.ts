// CSRF protection of the console's forms: a per-session token checked in constant time, and a same-origin check.
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { sha256Hex, timingSafeEqualText } from "../auth/crypto";
import type { AppEnv } from "../http/app-env";

/**
 * docs/console.md §4: the token is derived from the session's secret id, so it is per session, needs no storage,
 * and cannot be computed without the HttpOnly cookie.
 */
export async function csrfTokenFor(sid: string): Promise<string> {
  return sha256Hex(`zk-relay console csrf v1\n${sid}`);
}

/** True when `given` is the expected token (constant time; a missing token never matches). */
export async function csrfMatches(expected: string, given: unknown): Promise<boolean> {
  if (typeof given !== "string" || given.length === 0 || given.length > 256) return false;
  return timingSafeEqualText(expected, given);
}

/**
 * docs/console.md §4: a state-changing request must come from a page of this origin. Browsers send Origin on
 * every POST; a missing or foreign one is refused.
 */
export function sameOrigin(c: Context<AppEnv>): boolean {
  const origin = c.req.header("origin");
  return origin !== undefined && origin === new URL(c.req.url).origin;
}

/** The sign-in form's token (no session exists yet): a double-submit cookie, scoped to /ui/login. */
export const LOGIN_COOKIE = "zkr_console_login";

/** Sets (or keeps) the sign-in form's token cookie and returns it for the form. */
export function loginToken(c: Context<AppEnv>, fresh: () => string): string {
  const have = getCookie(c, LOGIN_COOKIE);
  if (have && /^[\w-]{20,64}$/.test(have)) return have;
  const token = fresh();
  setCookie(c, LOGIN_COOKIE, token, { path: "/ui/login", httpOnly: true, sameSite: "Strict", secure: new URL(c.req.url).protocol === "https:", maxAge: 3600 });
  return token;
}

/** True when the sign-in form's token equals its cookie (constant time). */
export async function loginTokenMatches(c: Context<AppEnv>, given: unknown): Promise<boolean> {
  const have = getCookie(c, LOGIN_COOKIE);
  return have !== undefined && csrfMatches(have, given);
}
