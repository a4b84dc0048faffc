// Errors of the ZK codec and client: each extends Error and carries a stable code from shared/errors.ts.
import type { ErrorCode } from "../../shared/errors";
import { commandName } from "./codec/constants";

/** Base class: every error the ZK layer throws on purpose. */
export class ZkError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bytes from the device (or handed to the codec) that do not follow the protocol. */
export class ZkProtocolError extends ZkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PROTOCOL_ERROR", message, options);
  }
}

/** Input we were asked to encode that the wire format cannot hold (bad uid, non-numeric id on 28-byte firmware…). */
export class ZkInvalidInputError extends ZkError {
  /** Which field and which limit, for relay error frames (e.g. `{field: "name", max_bytes: 8, bytes: 16}`). */
  readonly details?: Record<string, unknown>;
  constructor(message: string, details?: Record<string, unknown>) {
    super("VALIDATION_FAILED", message);
    if (details) this.details = details;
  }
}

/**
 * Why a terminal could not be reached: nothing answered in time, the address answered no (TCP refused, ICMP port
 * unreachable, the socket closed at once), or the host name did not resolve.
 */
export type UnreachableReason = "timeout" | "refused" | "dns";

/**
 * Nothing usable at host:port. The message is the seed's wording, word for word, whatever the reason; the reason
 * travels in `details.reason` so a technician can tell a typo in a host name from a terminal that is switched off.
 */
export class ZkUnreachableError extends ZkError {
  readonly reason: UnreachableReason;
  constructor(
    readonly host: string,
    readonly port: number,
    options?: { cause?: unknown; reason?: UnreachableReason },
  ) {
    super("DEVICE_UNREACHABLE", `Connection timeout to device ${host}:${port}`, options);
    this.reason = options?.reason ?? "timeout";
  }
  /** Carried in relay error frames (agent/relay toErrorBody) and shown by the HTTP API. */
  get details(): { reason: UnreachableReason } {
    return { reason: this.reason };
  }
}

/** "refused" when a socket error says the peer answered no, else "timeout". */
export function reasonOf(err: unknown): UnreachableReason {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EPIPE") return "refused";
    if (code === "DEVICE_DISCONNECTED") return "refused";
    e = (e as { cause?: unknown }).cause;
  }
  return "timeout";
}

/** The device refused our comm key (ACK_UNAUTH after CMD_AUTH, docs/protocol.md §4.2). */
export class ZkAuthError extends ZkError {
  constructor(message = "Device rejected the communication key") {
    super("DEVICE_AUTH_FAILED", message);
  }
}

/** A connected device stopped answering: no packet within the per-packet timeout. */
export class ZkTimeoutError extends ZkError {
  constructor(
    readonly command: number,
    readonly timeoutMs: number,
  ) {
    super("DEVICE_TIMEOUT", `Device did not answer ${commandName(command)} within ${timeoutMs} ms`);
  }
}

/** The socket closed or was reset while a command was in flight (or before one was sent). */
export class ZkDisconnectedError extends ZkError {
  constructor(message = "Connection to device closed", options?: { cause?: unknown }) {
    super("DEVICE_DISCONNECTED", message, options);
  }
}

/** The device answered ACK_ERROR / ACK_UNKNOWN / another non-success code to a command. */
export class ZkRejectedError extends ZkError {
  constructor(
    readonly command: number,
    readonly replyCode: number,
    message = `Device rejected ${commandName(command)} with ${commandName(replyCode)}`,
  ) {
    super("DEVICE_REJECTED", message);
  }
}

/** The device has no room left (user/template/record capacity reached). */
export class ZkFullError extends ZkError {
  constructor(message = "Device storage is full") {
    super("DEVICE_FULL", message);
  }
}

/** True for any error thrown on purpose by the ZK layer. */
export function isZkError(err: unknown): err is ZkError {
  return err instanceof ZkError;
}
