// Which error codes an agent may answer with, and which of them mean "the terminal could not be reached".
import type { ErrorCode } from "../../shared/errors";

/** The device-side failures every relayed operation may answer (documented in openapi.json). */
export const DEVICE_FAILURE_CODES: ErrorCode[] = [
  "DEVICE_UNREACHABLE",
  "DEVICE_TIMEOUT",
  "DEVICE_AUTH_FAILED",
  "DEVICE_DISCONNECTED",
  "DEVICE_REJECTED",
  "DEVICE_FULL",
  "PROTOCOL_ERROR",
  "DEVICE_BUSY",
  "AGENT_OFFLINE",
  "RELAY_TIMEOUT",
  "RESULT_TOO_LARGE",
  "AGENT_OUTDATED",
];

/**
 * The codes an agent's `response` frame may carry (plus the relay's own AGENT_OFFLINE/RELAY_TIMEOUT). Anything
 * else — a gateway-only code such as UNAUTHORIZED or SITE_NOT_FOUND, or an unknown string — would let the agent
 * speak for the gateway, so callAgent turns it into INTERNAL and logs the agent's code.
 * VALIDATION_FAILED is the agent refusing args the gateway let through (e.g. a non-numeric user_id on 28-byte
 * firmware): it stays a 400 with the agent's text.
 */
export const AGENT_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "USER_NOT_FOUND",
  "USER_EXISTS",
  "RESTORE_CONFLICT",
  "VALIDATION_FAILED",
  ...DEVICE_FAILURE_CODES,
]);

/**
 * The terminal did not answer (gateway-api.md: offboarding's `unreachable`, ping's 503 `reachable: false`).
 * DEVICE_AUTH_FAILED is not among them: the terminal answered and refused the comm key, which a retry will not
 * fix — ping reports it as the device error it is, offboarding as `error`.
 */
export const UNREACHABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["DEVICE_UNREACHABLE", "DEVICE_TIMEOUT", "DEVICE_DISCONNECTED"]);

