// CORS per deployment: off unless CORS_ORIGINS lists origins; preflights answered here, before any API key is asked for.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env";
import { apiError } from "./errors";
import { fail } from "./envelope";

/** What a browser may send and read (docs/people.md §6): the API's own request and answer headers. */
const ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, Accept-Language, X-Request-Id";
const EXPOSE_HEADERS = "X-Request-Id, X-Client-Request-Id, Idempotent-Replayed, Content-Language, WWW-Authenticate";
const ALLOW_METHODS = "GET, HEAD, POST, PUT, DELETE";
/** Browsers cache a preflight this long (seconds). */
const MAX_AGE = "600";

/** The allow-list: exact origins (scheme://host[:port]), comma- or space-separated; empty = CORS off. */
export function allowedOrigins(value: string | undefined): Set<string> {
  return new Set((value ?? "").split(/[\s,]+/).map((o) => o.trim().replace(/\/+$/, "")).filter((o) => o !== ""));
}

/**
 * With CORS_ORIGINS unset nothing changes: no CORS header is ever sent, so browsers keep other origins out. With it
 * set, a preflight (OPTIONS + Access-Control-Request-Method) is answered at once, without an API key — a browser
 * never sends credentials on one: 204 with the allowed methods and headers for a listed origin, 403 FORBIDDEN
 * (no CORS headers) for any other. Real requests from a listed origin get Access-Control-Allow-Origin on every
 * answer, errors included, so the page can read the envelope; the key is still required as always.
 */
export function cors(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const allowed = allowedOrigins(c.env.CORS_ORIGINS);
    if (allowed.size === 0) return next();
    const origin = c.req.header("Origin");
    const preflight = c.req.method === "OPTIONS" && c.req.header("Access-Control-Request-Method") !== undefined;
    const ok = origin !== undefined && allowed.has(origin);
    if (preflight) {
      if (!ok) {
        c.header("Vary", "Origin");
        return fail(c, apiError("FORBIDDEN", {}, undefined, "CORS_ORIGIN_DENIED"));
      }
      return new Response(null, {
        status: 204,
        headers: {
          "Access-Control-Allow-Origin": origin,
          "Access-Control-Allow-Methods": ALLOW_METHODS,
          "Access-Control-Allow-Headers": ALLOW_HEADERS,
          "Access-Control-Max-Age": MAX_AGE,
          Vary: "Origin",
        },
      });
    }
    await next();
    // The agents' WebSocket upgrade (101) is no browser's business, and its headers cannot be changed.
    if (c.res.status === 101) return;
    // A response whose headers are immutable (a fetched one passed through) is copied once to add ours.
    try {
      c.res.headers.append("Vary", "Origin");
    } catch {
      c.res = new Response(c.res.body, c.res);
      c.res.headers.append("Vary", "Origin");
    }
    if (ok) {
      c.res.headers.set("Access-Control-Allow-Origin", origin);
      c.res.headers.set("Access-Control-Expose-Headers", EXPOSE_HEADERS);
    }
  };
}
