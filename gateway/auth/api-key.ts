// API-key middleware: `Authorization: Bearer <key>` → c.var.principal, else 401 UNAUTHORIZED with WWW-Authenticate.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env";
import { apiError } from "../http/errors";
import { touchKey } from "../db/keys";
import { later } from "../http/later";
import { bearerToken } from "./bearer";
import { timed } from "./cached-rows";
import { inProcessPrincipal } from "./in-process";
import { BOOTSTRAP_KEY_ID, resolvePrincipal } from "./principal";

export interface ApiKeyOptions {
  /** Requests that need no key (the root, the OpenAPI document, the docs page, the agent's own endpoint). */
  isPublic?: (c: Context<AppEnv>) => boolean;
}

const TOUCH_EVERY_MS = 60_000;

/** Resolves the bearer key to a principal; stored keys get last_used_at refreshed after the answer. */
export function apiKeyAuth(opts: ApiKeyOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (opts.isPublic?.(c)) return next();
    // The admin console's own calls carry the signed-in key's principal, never more (auth/in-process.ts).
    const inProcess = inProcessPrincipal(c.req.raw);
    if (inProcess) {
      c.set("principal", inProcess);
      return next();
    }
    const secret = bearerToken(c.req.header("authorization"));
    const resolved = secret === undefined ? null : await timed(c, "key", () => resolvePrincipal(c.env, secret));
    if (!resolved) throw apiError("UNAUTHORIZED");
    const { principal, lastUsedAt } = resolved;
    c.set("principal", principal);
    // last_used_at is coarse on purpose: at most one write per key and minute, not one per request.
    const now = Date.now();
    if (principal.keyId !== BOOTSTRAP_KEY_ID && (lastUsedAt === null || now - Date.parse(lastUsedAt) > TOUCH_EVERY_MS)) {
      later(c, touchKey(c.env.DB, principal.keyId, new Date(now).toISOString()));
    }
    await next();
  };
}
