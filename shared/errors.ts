// Stable error codes shared by gateway, relay frames and agent, with the HTTP status each maps to.
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  SITE_NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  SNAPSHOT_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  UPGRADE_REQUIRED: 426,
  USER_EXISTS: 409,
  DEVICE_EXISTS: 409,
  SITE_EXISTS: 409,
  SITE_NOT_EMPTY: 409,
  IDEMPOTENCY_CONFLICT: 409,
  RESTORE_IN_PROGRESS: 409,
  SNAPSHOT_ALREADY_RESTORED: 409,
  RESTORE_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // Device-side failures answer 500, as the seed's "Connection error" does.
  DEVICE_UNREACHABLE: 500,
  DEVICE_TIMEOUT: 500,
  DEVICE_AUTH_FAILED: 500,
  DEVICE_DISCONNECTED: 500,
  DEVICE_REJECTED: 500,
  DEVICE_FULL: 500,
  PROTOCOL_ERROR: 500,
  INTERNAL: 500,
  // The agent answered, but not with something usable: its result is over the relay frame cap, or it is an older
  // agent that does not know the op.
  RESULT_TOO_LARGE: 502,
  AGENT_OUTDATED: 502,
  AGENT_OFFLINE: 503,
  DEVICE_BUSY: 503,
  RELAY_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** True when `code` is one of ours (relay frames may carry anything). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(ERROR_STATUS, code);
}

/** An error with a stable machine code; the one error type that crosses module and process boundaries. */
export class RelayError extends Error {
  override readonly name = "RelayError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
