// Security headers of every console answer: a strict CSP (no script at all), no framing, no caching, no cross-site referrer.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env";

/**
 * docs/console.md §5: the console runs no JavaScript, so script-src is 'none' (stricter than hashes); styles come
 * from /ui/style.css only; forms may post only to this origin; no page may frame it.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join("; ");

export function consoleHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    c.header("Content-Security-Policy", CONSOLE_CSP);
    c.header("X-Frame-Options", "DENY");
    c.header("X-Content-Type-Options", "nosniff");
    // Not no-referrer: under it browsers send `Origin: null` with form posts, and the CSRF origin check needs it.
    c.header("Referrer-Policy", "same-origin");
    // Pages show users and audit rows of the signed-in key: never kept by a cache or the back button.
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  };
}
