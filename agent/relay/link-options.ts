// What a RelayLink is built with (gateway, hello, handler, outboxes, timings) and how it reports its state and exit.
import type { DeviceTarget } from "../../shared/device";
import type { EventsFrame } from "../../shared/events";
import type { RequestFrame, ResponseFrame } from "../../shared/relay";
import type { Logger } from "../log";
import type { BackoffOptions } from "./backoff";

export interface HelloInfo {
  version: string;
  hostname: string;
  capabilities: string[];
}

export interface RelayLinkOptions {
  /** ws(s)://host[:port]/agent/connect */
  url: string;
  token: string;
  hello: HelloInfo;
  /**
   * Answers one request; must never throw (see createRequestHandler). `signal` is aborted when the socket that
   * carried the request closes: the gateway has failed it already, so work not yet started is dropped.
   */
  handle: (frame: RequestFrame, signal: AbortSignal, extend: (deadline: number) => void) => Promise<ResponseFrame>;
  logger: Logger;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** How long a stop waits for in-flight requests (10 s). */
  drainTimeoutMs?: number;
  /** A link that stayed up this long resets the backoff (5 s), so a gateway that accepts then drops is not hammered. */
  stableMs?: number;
  handshakeTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Durable results (agent/state/outbox.ts): answers kept until the gateway acks them, re-sent on every connect. */
  outbox?: LinkOutbox;
  /** Event batches (docs/events.md §6): sent when written, re-sent on every connect and with the outbox until acked. */
  events?: LinkEvents;
  /** The gateway's watch list (docs/events.md §4), on every connect and registry change. */
  onWatch?: (devices: DeviceTarget[]) => void;
  /** How often answers still unacknowledged are sent again on an open link (30 s). */
  resendMs?: number;
  /** After the gateway says another agent with this token replaced this one: wait this long before redialling (5 min). */
  replacedBackoffMs?: number;
  /** Replacements in a row after which the agent exits (code 3) rather than fight the other copy (3). */
  maxReplacements?: number;
}

/** What the link needs of the outbox. */
export interface LinkOutbox {
  has(id: string): boolean;
  finalize(id: string, response: ResponseFrame): Promise<boolean>;
  ack(id: string): Promise<boolean>;
  unacked(): ResponseFrame[];
  readonly size: number;
}

/** What the link needs of the event outbox. */
export interface LinkEvents {
  unacked(): EventsFrame[];
  ack(id: string): Promise<boolean>;
  has(id: string): boolean;
}

/** Close code of the gateway's SiteRelay for a connection a newer one with the same token replaced. */
export const CLOSE_REPLACED = 4000;

export type LinkState = "idle" | "connecting" | "open" | "waiting" | "stopping" | "stopped";
export interface LinkExit {
  /**
   * Process exit code: 0 after a requested stop, 1 when the gateway refused the token, 2 for an unusable URL,
   * 3 when another agent with the same token kept replacing this one.
   */
  code: number;
  reason: "stopped" | "unauthorized" | "bad-url" | "replaced";
}
