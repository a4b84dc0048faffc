// API-key middleware: `Authorization: Bearer <key>` → c.var.principal, else 401 UNAUTHORIZED with WWW-Authenticate.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env";
import { apiError } from "../http/errors";
import { touchKey } from "../db/keys";
import { BOOTSTRAP_KEY_ID, resolvePrincipal } from "./principal";

export interface ApiKeyOptions {
  /** Requests that need no key (the root, the OpenAPI document, the docs page, the agent's own endpoint). */
  isPublic?: (c: Context<AppEnv>) => boolean;
}

// Hono's bearerAuth answers a malformed header with 400; gateway-api.md wants 401 for missing *and* bad keys.
const BEARER = /^Bearer[ \t]+([\x21-\x7e]{1,512})[ \t]*$/i;

/** Resolves the bearer key to a principal; stored keys get last_used_at refreshed after the answer. */
export function apiKeyAuth(opts: ApiKeyOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (opts.isPublic?.(c)) return next();
    const match = BEARER.exec(c.req.header("authorization") ?? "");
    const principal = match ? await resolvePrincipal(c.env, match[1]) : null;
    if (!principal) throw apiError(c, "UNAUTHORIZED");
    c.set("principal", principal);
    if (principal.keyId !== BOOTSTRAP_KEY_ID) later(c, touchKey(c.env.DB, principal.keyId, new Date().toISOString()));
    await next();
  };
}

/** Runs `work` after the answer when the runtime gives us an execution context; bookkeeping never fails a call. */
export function later(c: Context, work: Promise<unknown>): void {
  const guarded = work.catch((e: unknown) => console.error(`background write failed: ${(e as Error).message}`));
  try {
    c.executionCtx.waitUntil(guarded);
  } catch {
    // No execution context (app.request in unit tests): the promise still runs on its own.
  }
}
