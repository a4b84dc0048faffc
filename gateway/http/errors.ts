// One place that turns every failure into the envelope: coded API errors, 404/405, and the app.onError handler.
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { coded, CodedError, ERROR_CODES, ERRORS, type ErrorCode } from "../../shared/errors";
import type { MessageKey, MessageParams } from "../../shared/messages";
import type { AppEnv } from "./app-env";
import { errorBody, fail } from "./envelope";

/**
 * A CodedError for `code` with the params of its message; the caller's language is applied once, at the edge
 * (envelope.ts). `key` picks one of the code's message variants (shared/errors.ts ERRORS[code].messages).
 */
export function apiError(code: ErrorCode, params: MessageParams = {}, details?: Record<string, unknown>, key?: MessageKey): CodedError {
  return coded(code, params, details, key);
}

export interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** 400 VALIDATION_FAILED with `details: [{path, message}]` (zod issues or hand-made ones). */
export function validationFailed(issues: readonly Issue[]): CodedError {
  const details = issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
  const first = details[0];
  const detail = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : "";
  return apiError("VALIDATION_FAILED", { detail }, { details });
}

/** The code an HTTPException of `status` answers with: the first code of the contract with that status (4xx only). */
function codeForStatus(status: number): ErrorCode | undefined {
  return status >= 400 && status < 500 && status !== 409 ? ERROR_CODES.find((code) => ERRORS[code].status === status) : undefined;
}

/** app.onError: CodedErrors keep their code; anything else is a generic 500 INTERNAL, logged with the request id. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof CodedError) {
    if (err.code === "UNAUTHORIZED") c.header("WWW-Authenticate", 'Bearer realm="zk-relay"');
    return fail(c, err);
  }
  const code = err instanceof HTTPException ? codeForStatus(err.status) : undefined;
  if (code) return fail(c, apiError(code, { detail: err.message }));
  // Never a stack trace in the answer; the log line carries the request id to find it.
  console.error(`[${c.get("requestId") ?? "-"}] unexpected ${err.name}: ${err.message}`);
  return fail(c, apiError("INTERNAL"));
};

/** app.notFound: unknown routes answer 404 NOT_FOUND in the envelope. */
export const notFound: NotFoundHandler<AppEnv> = (c) => fail(c, apiError("NOT_FOUND"));

/** hono/method-not-allowed's answer: 405 METHOD_NOT_ALLOWED in the envelope, with an Allow header. */
export function methodNotAllowedAnswer(c: Context<AppEnv>, methods: string[]): Response {
  return c.json(errorBody(apiError("METHOD_NOT_ALLOWED"), c), 405, { Allow: methods.join(", ") });
}
