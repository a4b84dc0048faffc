// What crosses the Worker ↔ SiteRelay boundary: the forwarded identity header and the RPC answer shapes.

/** Header connect.ts sets (after checking the agent token) to tell the Durable Object which site dialled in. */
export const SITE_ID_HEADER = "X-Site-Id";
/**
 * Header connect.ts sets to the SHA-256 hex of the token the agent presented (never the token itself). The
 * Durable Object compares it with the hash it holds (SiteRelay.setToken): it, not connect.ts's D1 lookup, has
 * the last word, so a rotation racing an upgrade cannot leave an agent connected on the old token.
 */
export const TOKEN_HASH_HEADER = "X-Token-Hash";

/** WebSocket tag of agent connections (acceptWebSocket / getWebSockets). */
export const AGENT_TAG = "agent";
/**
 * Request header of a courier connection: an agent replaced by a newer one delivers the durable results it still
 * holds without taking the site back (tag COURIER_TAG: it gets no requests and replaces nobody).
 */
export const COURIER_HEADER = "X-Relay-Courier";
export const COURIER_TAG = "courier";

/** Close code sent to an agent connection that a newer one from the same site replaced. */
export const CLOSE_REPLACED = 4000;
/** Close code of `disconnect()` and `setToken()` (site deleted, token rotated). */
export const CLOSE_DISCONNECTED = 4001;

/**
 * A fan-out's one total deadline, read by each call when it starts and moved by its calls' extensions
 * (gateway/fan-out.ts, docs/relay.md §4).
 */
export interface TotalDeadline {
  /** Epoch ms a call starting now must be done by. */
  readonly at: number;
  /** Epoch ms no call of the fan-out may wait past, extensions included. */
  readonly latest: number;
  /** One of the fan-out's calls was extended to `deadline` (epoch ms). */
  extended(deadline: number): void;
}

/** Who asked for a relayed op, kept with the request so a late answer can still be recorded. */
export interface RelayMeta {
  /** The relay request id to use (the caller links its audit row to it); a random one when absent. */
  requestId?: string;
  /**
   * Epoch ms the whole HTTP request must be done by, or a fan-out's total deadline (fan-out.ts), which moves when
   * the agent extends one of its calls; caps the op's own budget when the call starts. callAgent keeps it.
   */
  deadline?: number | TotalDeadline;
  /** Set by callAgent from a fan-out's total deadline: no `extend` frame moves this request's wait past it (epoch ms). */
  latest?: number;
  /** Set by callAgent from a fan-out's total deadline: told the deadline an `extend` frame gave this request. */
  onExtend?: (deadline: number) => void;
  /** The caller's API key id (snapshots of a late users.delete are recorded as deleted by it). */
  keyId?: string;
  /** created_at of the device's registry row: a late snapshot is kept only if that same row still exists. */
  deviceCreatedAt?: string;
  /** The audit row a durable result completes when it arrives after the caller's answer. */
  audit?: AuditBase;
  /** The answer an Idempotency-Key retry replays once a durable result arrives after the caller's answer. */
  replay?: ReplayOnSuccess;
}

/** The fixed part of an audit row (db/audit.ts AuditEntry without the outcome). */
export interface AuditBase {
  key_id: string;
  action: string;
  method: string;
  path: string;
  site_id: string | null;
  device_id: string | null;
  user_id: string | null;
}

/** The caller's Idempotency-Key and the answer it gets if the op turns out to have succeeded. */
export interface ReplayOnSuccess {
  keyId: string;
  idemKey: string;
  fingerprint: string;
  status: number;
  body: string;
  contentLanguage: string | null;
}

/** What a durable request's result is applied with (relay/durable.ts keeps it in the Durable Object's storage). */
export interface DurableContext extends Omit<RelayMeta, "requestId" | "keyId"> {
  op: string;
  siteId: string;
  deviceId: string;
  args: Record<string, unknown>;
  keyId: string;
  /** Epoch ms the request was sent. */
  at: number;
}

/** The error half of a relay answer: the agent's (or the relay's own) code, passed on as data. */
export interface RelayFailure {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * `SiteRelay.relay()`'s answer. Failures are returned, not thrown: an exception thrown across RPC loses its
 * class and code, so callAgent rebuilds the CodedError on the Worker side.
 */
export type RelayOutcome = { ok: true; result: unknown } | { ok: false; error: RelayFailure };

/** `SiteRelay.status()`: whether the site's agent is connected and what its `hello` said. */
export interface AgentStatus {
  connected: boolean;
  hostname?: string;
  version?: string;
  capabilities?: string[];
  /** ISO 8601 time the current connection was accepted. */
  since?: string;
  /** ISO 8601 time the agent was last heard from (any frame, or a ping answered without waking the object). */
  last_seen?: string;
}
