// Request ids for log correlation: always our own, so a client cannot forge or collide with another request's id.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env";

/** The header our id is answered in. */
export const REQUEST_ID_HEADER = "X-Request-Id";
/** A client's own X-Request-Id, echoed back under this name (never used in our logs). */
export const CLIENT_REQUEST_ID_HEADER = "X-Client-Request-Id";

// Echo only what is harmless in a header and a log viewer: printable ASCII, bounded.
const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Sets `c.var.requestId` to a fresh UUID and answers it as X-Request-Id. Unlike hono/request-id, an incoming
 * X-Request-Id is never adopted: our log lines must point at exactly one request.
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = crypto.randomUUID();
    c.set("requestId", id);
    c.header(REQUEST_ID_HEADER, id);
    const theirs = c.req.header(REQUEST_ID_HEADER);
    if (theirs !== undefined && CLIENT_ID.test(theirs)) c.header(CLIENT_REQUEST_ID_HEADER, theirs);
    await next();
  };
}
