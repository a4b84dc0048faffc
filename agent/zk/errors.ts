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
  constructor(message: string) {
    super("VALIDATION_FAILED", message);
  }
}

/** Nothing answered at host:port; the message is the seed's wording, word for word. */
export class ZkUnreachableError extends ZkError {
  constructor(
    readonly host: string,
    readonly port: number,
    options?: { cause?: unknown },
  ) {
    super("DEVICE_UNREACHABLE", `Connection timeout to device ${host}:${port}`, options);
  }
}

/** The device refused our comm key (ACK_UNAUTH after CMD_AUTH, zk-protocol §4.2). */
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
