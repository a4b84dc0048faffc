// The one error contract: every stable code with its HTTP status, retryability, message keys and who may raise it.
import { message, type Lang, type MessageKey, type MessageParams } from "./messages";

/** How the gateway treats a code arriving in an agent's `response` frame. */
export type AgentText =
  /** The agent's text is shown as it came (device-side failures: the seed's "Connection timeout to device …"). */
  | "verbatim"
  /** The gateway's own message for the code, filled with what it knows (device, site, user). */
  | "localized";

export interface ErrorSpec {
  /** HTTP status of the answer (a route may document another, e.g. ping's 503). */
  readonly status: number;
  /** Whether the same request may succeed later without any change (the device or agent may come back). */
  readonly retryable: boolean;
  /** Message keys in shared/messages.ts, the code's own first; the others are variants some raisers pick. */
  readonly messages: readonly MessageKey[];
  /** Absent: agents may not send it (it would let an agent speak for the gateway; the gateway answers INTERNAL). */
  readonly agent?: AgentText;
  /** The terminal did not answer at all (offboarding `unreachable`, ping 503 `reachable: false`). */
  readonly unreachable?: boolean;
  /** A command failing with it leaves the session in step with the terminal: it answered, or nothing was sent. */
  readonly sessionSafe?: boolean;
  /** A write failing with it certainly changed nothing: the terminal said no, or the input never left. */
  readonly nothingChanged?: boolean;
  /** An agent sending this code means that one (an older agent's BAD_REQUEST is its "unknown op"). */
  readonly fromAgentAs?: "AGENT_OUTDATED" | "RESULT_TOO_LARGE";
  /** Keys of `details` the API shows (every other agent detail is dropped: it is not API). */
  readonly publicDetails?: readonly string[];
  /** One line for openapi.json and the README. */
  readonly doc: string;
}

const spec = (status: number, retryable: boolean, doc: string, more: Partial<ErrorSpec> = {}) => ({ status, retryable, doc, ...more });

/** Every error code of the API, the relay protocol and the agent. Nothing else lists codes. */
export const ERRORS = {
  BAD_REQUEST: spec(400, false, "The body is not valid JSON or UTF-8", {
    // Agents before AGENT_OUTDATED answered an op they did not know with BAD_REQUEST.
    fromAgentAs: "AGENT_OUTDATED",
    sessionSafe: true,
  }),
  VALIDATION_FAILED: spec(400, false, "A field, id, header or query parameter is invalid (`details` lists them)", {
    messages: ["VALIDATION_FAILED", "SITE_REQUIRED", "AGENT_DETAIL", "SCOPE_REQUIRED", "COPY_SAME_DEVICE"],
    agent: "verbatim",
    sessionSafe: true,
    nothingChanged: true,
  }),
  UNAUTHORIZED: spec(401, false, "No API key (or agent token), or an unknown or revoked one", {
    messages: ["UNAUTHORIZED", "AGENT_UNAUTHORIZED"],
  }),
  FORBIDDEN: spec(403, false, "The key's role or sites do not allow this (or a browser origin not on the CORS allow-list)", {
    messages: ["FORBIDDEN", "CORS_ORIGIN_DENIED"],
  }),
  NOT_FOUND: spec(404, false, "No such route"),
  DEVICE_NOT_FOUND: spec(404, false, "No such device, or not visible to this key; `disponibles` lists the ones it may use"),
  USER_NOT_FOUND: spec(404, false, "No user with that user_id on the terminal", { agent: "localized", sessionSafe: true }),
  SITE_NOT_FOUND: spec(404, false, "No such site"),
  KEY_NOT_FOUND: spec(404, false, "No such API key"),
  SNAPSHOT_NOT_FOUND: spec(404, false, "No deleted copy of that user to restore"),
  // Webhooks (docs/webhooks.md).
  WEBHOOK_NOT_FOUND: spec(404, false, "No such webhook"),
  DELIVERY_NOT_FOUND: spec(404, false, "No such delivery of that webhook"),
  METHOD_NOT_ALLOWED: spec(405, false, "Known path, other method"),
  USER_EXISTS: spec(409, false, "A user with that user_id is already on the terminal", { agent: "localized", sessionSafe: true }),
  DEVICE_EXISTS: spec(409, false, "The device id is taken"),
  SITE_EXISTS: spec(409, false, "The site id is taken"),
  SITE_NOT_EMPTY: spec(409, false, "A site with devices cannot be deleted"),
  IDEMPOTENCY_CONFLICT: spec(409, true, "Idempotency-Key reused for another request, or the first one is still running"),
  RESTORE_IN_PROGRESS: spec(409, true, "Another restore of the same deleted user is running"),
  SNAPSHOT_ALREADY_RESTORED: spec(409, false, "That snapshot was already restored"),
  RESTORE_CONFLICT: spec(409, false, "The user could not be put back: their user_id or uid is held by someone else (`held_by`)", {
    agent: "localized",
    sessionSafe: true,
    nothingChanged: true,
    publicDetails: ["held_by"],
  }),
  PAYLOAD_TOO_LARGE: spec(413, false, "Body over 64 KiB", { fromAgentAs: "RESULT_TOO_LARGE" }),
  UNSUPPORTED_MEDIA_TYPE: spec(415, false, "The body is not application/json"),
  UPGRADE_REQUIRED: spec(426, false, "/agent/connect without a WebSocket upgrade"),
  // Device-side failures answer 500, as the seed's "Connection error" does. Their text is ours, by code
  // (messages.ts): an agent's words never reach a caller.
  DEVICE_UNREACHABLE: spec(500, true, "The agent could not reach the terminal (`details.reason`: timeout, refused, dns)", {
    agent: "localized",
    unreachable: true,
    publicDetails: ["reason"],
  }),
  DEVICE_TIMEOUT: spec(500, true, "The terminal stopped answering in the middle of a command", { agent: "localized", unreachable: true }),
  DEVICE_AUTH_FAILED: spec(500, false, "Wrong comm key: the terminal answered and refused it", { agent: "localized" }),
  DEVICE_DISCONNECTED: spec(500, true, "The terminal closed or reset the connection mid-command", { agent: "localized", unreachable: true }),
  DEVICE_REJECTED: spec(500, false, "The terminal refused the command", { agent: "localized", sessionSafe: true, nothingChanged: true }),
  DEVICE_FULL: spec(500, false, "The terminal has no room left (no free internal uid)", {
    agent: "localized",
    sessionSafe: true,
    nothingChanged: true,
  }),
  PROTOCOL_ERROR: spec(500, false, "The terminal (or agent) sent bytes that are not valid protocol", { agent: "localized" }),
  INTERNAL: spec(500, false, "A bug; the answer carries no details, the log has them", { agent: "localized" }),
  // The agent answered, but not with something usable: a result over the relay frame cap, or an op it does not know.
  RESULT_TOO_LARGE: spec(502, false, "The terminal's answer is too large for one relay frame", { agent: "localized" }),
  AGENT_OUTDATED: spec(502, false, "The site's agent is older than this operation: update the agent", { agent: "localized" }),
  AGENT_OFFLINE: spec(503, true, "The site's agent is not connected (or dropped mid-request)", { agent: "localized" }),
  DEVICE_BUSY: spec(503, true, "Too many requests queued for that terminal, or the deadline passed while waiting", { agent: "localized" }),
  WEBHOOKS_UNAVAILABLE: spec(503, false, "Webhooks are not configured on this gateway (no queue binding or no key for secrets)"),
  RELAY_TIMEOUT: spec(504, true, "The agent did not answer before the request's deadline", { agent: "localized" }),
  // People across terminals and terminal actions (docs/people.md).
  OFFBOARDING_INCOMPLETE: spec(207, true, "Not every device reached a final state (deleted or not there): `data.results` says which, retry or undo", {
    messages: ["OFFBOARDING_INCOMPLETE", "OFFBOARDING_QUEUED", "UNDO_INCOMPLETE", "COPY_INCOMPLETE"],
  }),
  OFFBOARDING_NOT_FOUND: spec(404, false, "No offboarding with that id visible to this key"),
  USER_ID_CONFLICT: spec(409, false, "The target terminal holds another person under that user_id; nothing was written", {
    agent: "localized",
    sessionSafe: true,
    nothingChanged: true,
  }),
  ATTENDANCE_COUNT_MISMATCH: spec(409, false, "expected_count is not the terminal's record count (`details.count`); nothing was cleared", {
    agent: "localized",
    sessionSafe: true,
    nothingChanged: true,
    publicDetails: ["count"],
  }),
  ATTENDANCE_NOT_STORED: spec(409, true, "Not every attendance record of the terminal is stored at the gateway yet; nothing was cleared"),
} as const satisfies Record<string, Omit<ErrorSpec, "messages"> & { messages?: readonly MessageKey[] }>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** The contract entry of `code`, with its message keys filled in. */
export function errorSpec(code: ErrorCode): ErrorSpec {
  const s = ERRORS[code] as Omit<ErrorSpec, "messages"> & { messages?: readonly MessageKey[] };
  return { ...s, messages: s.messages ?? [code as MessageKey] };
}

/** HTTP status of each code (derived from ERRORS). */
export const ERROR_STATUS = Object.fromEntries(ERROR_CODES.map((c) => [c, ERRORS[c].status])) as { [C in ErrorCode]: (typeof ERRORS)[C]["status"] };

/** True when `code` is one of ours (relay frames may carry anything). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(ERRORS, code);
}

/** True when `err` carries a code whose contract entry has `flag` set. */
export function hasFlag(err: unknown, flag: "unreachable" | "sessionSafe" | "nothingChanged" | "retryable"): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return isErrorCode(code) && (ERRORS[code] as Partial<ErrorSpec>)[flag] === true;
}

/**
 * An error with a stable code: the one error type that crosses module and process boundaries. It carries the
 * code, the params of its message and the message key; the text a caller reads is made once, at the HTTP edge
 * (`localize`). `message` is for logs: the English text, or the agent's own words.
 */
export class CodedError extends Error {
  override readonly name = "CodedError";
  constructor(
    readonly code: ErrorCode,
    message = "",
    readonly details?: Record<string, unknown>,
    readonly params: MessageParams = {},
    readonly key: MessageKey = errorSpec(code).messages[0]!,
  ) {
    super(message);
  }
  get status(): number {
    return ERRORS[this.code].status;
  }
  get retryable(): boolean {
    return ERRORS[this.code].retryable;
  }
  /** The same error with `more` params added underneath its own (what the raiser knew wins). */
  withParams(more: MessageParams): CodedError {
    return new CodedError(this.code, this.message, this.details, { ...more, ...this.params }, this.key);
  }
}

/** A CodedError whose text is the message `key` (default: the code's own) filled with `params`. */
export function coded(code: ErrorCode, params: MessageParams = {}, details?: Record<string, unknown>, key?: MessageKey): CodedError {
  const k = key ?? errorSpec(code).messages[0]!;
  return new CodedError(code, message("en", k, params), details, params, k);
}

/** The text of `err` in `lang`: the message key with the error's params, its own message as `detail`. */
export function localize(err: CodedError, lang: Lang): string {
  const text = message(lang, err.key, { detail: err.message, ...err.params });
  // A message whose blanks the raiser could not fill (an agent's USER_NOT_FOUND without the user_id): its own words.
  return text.includes("undefined") && err.message !== "" ? err.message : text;
}

/** Wire shape of an error inside a relay `response` frame. */
export interface WireError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * An agent's (or the relay's) error as a CodedError, by the contract: codes with `agent` pass (verbatim text, or
 * the gateway's own message), codes with `fromAgentAs` become that code (an older agent's BAD_REQUEST is
 * AGENT_OUTDATED), and anything else — an unknown string, or a gateway-only code such as UNAUTHORIZED — is
 * INTERNAL with the agent's code in `details`.
 */
export function fromWire(error: WireError): { err: CodedError; refused?: string } {
  const { message: text, details } = error;
  const as = isErrorCode(error.code) ? errorSpec(error.code).fromAgentAs : undefined;
  if (as !== undefined) return { err: new CodedError(as, text, { ...details, agent_code: error.code }) };
  const code = error.code;
  const agent = isErrorCode(code) ? errorSpec(code).agent : undefined;
  if (!isErrorCode(code) || agent === undefined) {
    return { err: new CodedError("INTERNAL", text, { ...details, agent_code: code }), refused: code };
  }
  return { err: new CodedError(code, text, details, {}, agent === "verbatim" ? "AGENT_DETAIL" : undefined) };
}
