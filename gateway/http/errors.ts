// One place that turns every failure into the envelope: localized API errors, 404/405, and the app.onError handler.
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { RelayError, type ErrorCode } from "../../shared/errors";
import { message, type MessageKey } from "../../shared/messages";
import type { AppEnv } from "./app-env";
import { errorBody, fail } from "./envelope";
import { langOf } from "./language";

/** Error codes that have their own human message in shared/messages.ts. */
export type MessageCode = ErrorCode & MessageKey;

/** A RelayError whose text is the localized message of `code`. */
export function apiError(
  c: Context<AppEnv>,
  code: MessageCode,
  params: Record<string, string | number> = {},
  details?: Record<string, unknown>,
): RelayError {
  return new RelayError(code, message(langOf(c), code, params), details);
}

export interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** 400 VALIDATION_FAILED with `details: [{path, message}]` (zod issues or hand-made ones). */
export function validationFailed(c: Context<AppEnv>, issues: readonly Issue[]): RelayError {
  const details = issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
  const first = details[0];
  const detail = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : "";
  return apiError(c, "VALIDATION_FAILED", { detail }, { details });
}

const STATUS_CODE: Record<number, MessageCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
};

/** app.onError: RelayErrors keep their code; anything else is a generic 500 INTERNAL, logged with the request id. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof RelayError) {
    if (err.code === "UNAUTHORIZED") c.header("WWW-Authenticate", 'Bearer realm="zk-relay"');
    return fail(c, err);
  }
  if (err instanceof HTTPException && STATUS_CODE[err.status]) {
    const code = STATUS_CODE[err.status];
    return fail(c, apiError(c, code, { detail: err.message }));
  }
  // Never a stack trace in the answer; the log line carries the request id to find it.
  console.error(`[${c.get("requestId") ?? "-"}] unexpected ${err.name}: ${err.message}`);
  return fail(c, apiError(c, "INTERNAL"));
};

/** app.notFound: unknown routes answer 404 NOT_FOUND in the envelope. */
export const notFound: NotFoundHandler<AppEnv> = (c) => fail(c, apiError(c, "NOT_FOUND"));

/** hono/method-not-allowed's answer: 405 METHOD_NOT_ALLOWED in the envelope, with an Allow header. */
export function methodNotAllowedAnswer(c: Context<AppEnv>, methods: string[]): Response {
  return c.json(errorBody(apiError(c, "METHOD_NOT_ALLOWED")), 405, { Allow: methods.join(", ") });
}
