// Checks of the seed's response envelope shared by the e2e tests (docs/http-api.md §2: success/error/code).
import { ERROR_CODES, ERROR_STATUS, isErrorCode } from "../../../shared/errors";
import { OP_NAMES, OPS } from "../../../shared/ops";
import type { ApiAnswer } from "../../../scripts/lib/api-client";

/** 5xx codes of the error contract (device and agent failures); INTERNAL at 5xx means the gateway threw. */
export const DOCUMENTED_5XX = new Set(ERROR_CODES.filter((c) => ERROR_STATUS[c] >= 500 && c !== "INTERNAL"));

/** Statuses some op documents for a code instead of its contract's (ping's 503 for an unreachable terminal). */
const OTHER_STATUS = new Set(OP_NAMES.flatMap((n) => Object.entries(OPS[n].http.statusOf ?? {}).map(([code, st]) => `${code} ${st}`)));

/**
 * Why `answer` breaks the envelope contract, or undefined when it keeps it: 2xx → `success: true`;
 * otherwise `success: false`, a string `error`, a known `code` whose ERROR_STATUS is the HTTP status,
 * and no 5xx outside DOCUMENTED_5XX (an INTERNAL 500 means the gateway threw).
 */
export function envelopeProblem(answer: ApiAnswer, method = "GET"): string | undefined {
  const { status } = answer;
  const body = answer.body as { success?: unknown; error?: unknown; code?: unknown } | null | undefined;
  if (method === "HEAD") return status >= 500 ? `HEAD answered ${status}` : undefined;
  if (status === 101) return undefined;
  if (typeof body !== "object" || body === null) return `status ${status}: body is not JSON: ${answer.text.slice(0, 120)}`;
  if (status >= 200 && status < 300) return body.success === true ? undefined : `status ${status} without success:true`;
  if (body.success !== false) return `status ${status}: success is ${JSON.stringify(body.success)}`;
  if (typeof body.error !== "string" || body.error === "") return `status ${status}: no error text`;
  const code = body.code;
  if (!isErrorCode(code)) return `status ${status}: unknown code ${JSON.stringify(code)}`;
  if (ERROR_STATUS[code] !== status && !OTHER_STATUS.has(`${code} ${status}`)) {
    return `status ${status} does not match code ${code} (${ERROR_STATUS[code]})`;
  }
  if (status >= 500 && !DOCUMENTED_5XX.has(code)) return `undocumented ${status} ${code}: ${body.error}`;
  if (/\n\s+at .+:\d+:\d+/.test(answer.text)) return `status ${status}: a stack trace leaked`;
  return undefined;
}
