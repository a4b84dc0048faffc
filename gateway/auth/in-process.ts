// In-process API calls of the admin console: the JSON routes run with the signed-in key's own principal (docs/console.md §3).
import type { Principal } from "./principal";

/**
 * Requests the console built itself, each tied to the principal of the session that made it. A WeakMap keyed by
 * the Request object: nothing that arrives over the network can be in it, so there is no header or token to forge.
 */
const principals = new WeakMap<Request, Principal>();

/** Marks `req` as the console's call on behalf of `principal` (the session's own key, re-checked this request). */
export function asPrincipal(req: Request, principal: Principal): Request {
  principals.set(req, principal);
  return req;
}

/** The principal a console-built request acts as, or undefined for every request from outside. */
export function inProcessPrincipal(req: Request): Principal | undefined {
  return principals.get(req);
}
