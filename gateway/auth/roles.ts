// Role checks for routes: read < write < admin; a site-scoped key is kept to its sites.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env";
import { apiError } from "../http/errors";
import { roleAtLeast, type Role } from "./principal";

export interface RoleOptions {
  /** Also require a key valid for every site (site management, key management). */
  allSites?: boolean;
}

/** 403 FORBIDDEN unless the caller's role is at least `role`. */
export function requireRole(role: Role, opts: RoleOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get("principal");
    if (!principal || !roleAtLeast(principal.role, role)) throw apiError("FORBIDDEN");
    // A site-scoped admin could otherwise mint an unscoped key or take over another site's agent token.
    if (opts.allSites && principal.sites !== null) throw apiError("FORBIDDEN");
    await next();
  };
}
