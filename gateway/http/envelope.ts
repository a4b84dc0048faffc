// The seed's JSON envelope: `{success: true, message?, data?}` for answers, `{success: false, error, …, code}` for failures.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { localize, type CodedError } from "../../shared/errors";
import type { AppEnv } from "./app-env";
import { langOf } from "./language";

/** `{"success": true, "data": …}` */
export function ok(c: Context, data: unknown, status: ContentfulStatusCode = 200): Response {
  return c.json({ success: true, data }, status);
}

/** `{"success": true, "message": …}`, plus `data` when given (the seed's create/delete answers). */
export function okMessage(c: Context, message: string, data?: unknown, status: ContentfulStatusCode = 200): Response {
  return c.json(data === undefined ? { success: true, message } : { success: true, message, data }, status);
}

/**
 * The failure body, its text in the caller's language (the one place errors are localized). Extra fields (e.g.
 * the seed's `disponibles`) sit between `error` and `code`, as in the seed's DEVICE_NOT_FOUND example; a `data`
 * detail goes last (the ping 503 example).
 */
export function errorBody(err: CodedError, c: Context<AppEnv>): Record<string, unknown> {
  const { data, ...extra } = err.details ?? {};
  const body: Record<string, unknown> = { success: false, error: localize(err, langOf(c)), ...extra, code: err.code };
  if (data !== undefined) body.data = data;
  return body;
}

/** Answers `err` in the envelope, with its contract status unless a route documents another (ping answers 503). */
export function fail(c: Context<AppEnv>, err: CodedError, status = err.status): Response {
  return c.json(errorBody(err, c), status as ContentfulStatusCode);
}
