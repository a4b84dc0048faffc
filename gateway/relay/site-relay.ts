// One Durable Object per site: holds its agent's hibernatable WebSocket and relays requests to it by id (docs/relay.md §1).
import { DurableObject } from "cloudflare:workers";
import type { DeviceTarget } from "../../shared/device";
import { MAX_EXTENDED_WAIT_MS, MAX_WAIT_MS } from "../../shared/budget";
import { CodedError } from "../../shared/errors";
import { message } from "../../shared/messages";
import { isDurableResult } from "../../shared/ops";
import { parseFrame, parseJoinedResponse, PING_TEXT, PONG_TEXT, RELAY_VERSION, RequestFrame, type ResponseFrame } from "../../shared/relay";
import { applyDurableResult } from "../durable-results";
import { applyQueued } from "../people/queued";
import type { Env } from "../env";
import { readConn, writeConn, type ConnInfo } from "./attachment";
import {
  AGENT_TAG,
  CLOSE_DISCONNECTED,
  COURIER_HEADER,
  COURIER_TAG,
  CLOSE_REPLACED,
  SITE_ID_HEADER,
  TOKEN_HASH_HEADER,
  type AgentStatus,
  type RelayMeta,
  type RelayOutcome,
} from "./contract";
import { EventIntake, watchFrame } from "./events-in";
import { PartBuffer } from "./parts";
import { failure, relayTimeout, safeClose, send, unauthorizedUpgrade } from "./frames-out";
import { findDurable, forgetDurable, rememberDurable } from "./durable";
import { PendingRequests } from "./pending";
import { admitToken, storeTokenHash } from "./token-gate";

export { MAX_WAIT_MS } from "../../shared/budget";
/** An agent not heard from for this long (no frame, no ping) counts as offline; AGENT_SILENCE_MS overrides it. */
export const AGENT_SILENCE_MS = 30_000;
/** last_seen in the attachment is rewritten at most this often (every frame would be a write per frame). */
const SEEN_RESOLUTION_MS = 1_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Designed for hibernation (docs/development.md §3.6): the agent socket is found again with getWebSockets, its
 * identity lives in the attachment, the current token hash and timed-out deletes live in ctx.storage, and memory
 * holds only in-flight requests — a DO with a request awaiting an answer is not evicted, so nothing is lost.
 */
export class SiteRelay extends DurableObject<Env> {
  /** In-flight requests, grouped by the connection they were sent on. */
  private readonly inflight = new Map<string, PendingRequests<RelayOutcome>>();
  /** Ids of in-flight requests that are durable (their context is in storage); the others need no storage lookup. */
  private readonly durableInflight = new Set<string>();
  private readonly intake: EventIntake;
  /** What a fan-out asked of an in-flight request's extensions: their bound, and whom to tell (docs/relay.md §4). */
  private readonly extendRules = new Map<string, Pick<RelayMeta, "latest" | "onExtend">>();
  /** Responses arriving in parts, joined here (memory only: a request awaiting them keeps this object awake). */
  private readonly parts = new PartBuffer();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.intake = new EventIntake(env, (text, ws) => this.log(text, ws));
    // The agent's heartbeat is answered by the runtime without waking this object; getWebSocketAutoResponseTimestamp
    // then still tells when the agent was last heard.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_TEXT, PONG_TEXT));
  }

  /**
   * Accepts the agent WebSocket forwarded by connect.ts, which found the token in D1 and set X-Site-Id and
   * X-Token-Hash. The hash must also be the one this object holds (token-gate.ts): 401 otherwise.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const siteId = request.headers.get(SITE_ID_HEADER);
    const tokenHash = request.headers.get(TOKEN_HASH_HEADER);
    if (!siteId || !tokenHash) return new Response(`missing ${SITE_ID_HEADER} or ${TOKEN_HASH_HEADER}`, { status: 400 });
    if (!(await admitToken(this.ctx.storage, this.env.DB, siteId, tokenHash))) {
      this.log("refused an agent upgrade: its token is not the site's current one");
      return unauthorizedUpgrade(request);
    }
    const courier = request.headers.get(COURIER_HEADER) === "1";
    // One agent per site: a reconnecting agent (or a second copy) takes over and the old socket is told why. A
    // courier (a replaced agent delivering what its outbox holds) takes nothing over.
    if (!courier) for (const old of this.ctx.getWebSockets(AGENT_TAG)) this.retire(old, CLOSE_REPLACED, "replaced");
    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server, [courier ? COURIER_TAG : AGENT_TAG]);
    writeConn(server, { conn: crypto.randomUUID(), siteId, connectedAt: Date.now(), tokenHash });
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /**
   * Makes `hash` the site's only valid agent token (null: the site was deleted, none is) and closes every agent
   * connection made with another token; returns how many were closed. Called by the admin routes after D1 changed.
   */
  async setToken(hash: string | null): Promise<number> {
    await storeTokenHash(this.ctx.storage, hash);
    let closed = 0;
    for (const ws of [...this.ctx.getWebSockets(AGENT_TAG), ...this.ctx.getWebSockets(COURIER_TAG)]) {
      if (hash !== null && readConn(ws)?.tokenHash === hash) continue;
      this.retire(ws, CLOSE_DISCONNECTED, hash === null ? "site deleted" : "token rotated");
      closed += 1;
    }
    return closed;
  }

  /**
   * Sends one request to the agent and waits for its answer until `deadline` (epoch ms). Never throws:
   * AGENT_OFFLINE at once without an agent or when its socket closes, RELAY_TIMEOUT past the deadline. A fan-out's
   * call (`latest`, `onExtend`) is never extended past `latest`, and `onExtend` hears each deadline an extension
   * gave it (docs/relay.md §4).
   */
  async relay(op: string, device: DeviceTarget, args: Record<string, unknown>, deadline: number, asked: RelayMeta = {}): Promise<RelayOutcome> {
    const { latest, onExtend, ...meta } = asked;
    try {
      const ws = this.agentSocket();
      const info = ws && readConn(ws);
      if (!ws || !info) return failure(this.offline());
      const id = meta.requestId !== undefined && UUID.test(meta.requestId) ? meta.requestId : crypto.randomUUID();
      const frame = RequestFrame.safeParse({ v: RELAY_VERSION, type: "request", id, op, device, args, deadline });
      if (!frame.success) {
        this.log(`refused to send ${op}: request frame invalid (${frame.error.issues.map((i) => i.path.join(".")).join(", ")})`);
        return failure(new CodedError("INTERNAL", `Request for ${op} could not be encoded`));
      }
      const wait = Math.min(deadline - Date.now(), MAX_WAIT_MS);
      if (wait <= 0) return failure(relayTimeout(device.id));
      if (isDurableResult(op)) {
        // Before sending: whenever and on whichever connection the result comes, it is applied as this caller's.
        const { requestId: _id, keyId, ...rest } = meta;
        await rememberDurable(this.ctx.storage, id, { ...rest, op, siteId: info.siteId, deviceId: device.id, args, keyId: keyId ?? "unknown", at: Date.now() });
        this.durableInflight.add(id);
      }
      const pending = this.pendingOf(info.conn);
      const answer = pending.add(id, wait, () => relayTimeout(device.id));
      if (latest !== undefined || onExtend !== undefined) this.extendRules.set(id, { latest, onExtend });
      try {
        ws.send(JSON.stringify(frame.data));
      } catch {
        pending.reject(id, this.offline());
      }
      try {
        return await answer;
      } finally {
        this.durableInflight.delete(id);
        this.extendRules.delete(id);
        if (pending.size === 0 && this.inflight.get(info.conn) === pending) this.inflight.delete(info.conn);
      }
    } catch (e) {
      return failure(e);
    }
  }

  /** Whether the site's agent is connected (and not silent), since when, when last heard, and what its `hello` said. */
  async status(): Promise<AgentStatus> {
    const newest = this.ctx.getWebSockets(AGENT_TAG).filter((s) => s.readyState === WebSocket.OPEN).at(-1);
    const heard = newest && readConn(newest) ? new Date(this.lastHeard(newest)).toISOString() : undefined;
    const ws = this.agentSocket();
    const info = ws && readConn(ws);
    if (!info) return heard === undefined ? { connected: false } : { connected: false, last_seen: heard };
    const status: AgentStatus = { connected: true, since: new Date(info.connectedAt).toISOString(), last_seen: heard };
    if (info.hello) {
      status.hostname = info.hello.hostname;
      status.version = info.hello.version;
      status.capabilities = info.hello.capabilities;
    }
    return status;
  }

  /** Sends the agent the site's current watch list (the registry changed); false without a connected agent. */
  async pushWatch(): Promise<boolean> {
    const ws = this.ctx.getWebSockets(AGENT_TAG).filter((s) => s.readyState === WebSocket.OPEN).at(-1);
    const info = ws && readConn(ws);
    if (!ws || !info) return false;
    send(ws, await watchFrame(this.env.DB, info.siteId));
    return true;
  }

  /** Closes the agent's connection whatever its token; its pending requests fail with AGENT_OFFLINE. */
  async disconnect(reason = "disconnected by the gateway"): Promise<boolean> {
    const sockets = this.ctx.getWebSockets(AGENT_TAG);
    for (const ws of sockets) this.retire(ws, CLOSE_DISCONNECTED, reason);
    return sockets.length > 0;
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    try {
      this.seen(ws);
      const parsed = parseFrame(data);
      if (!parsed.ok) return this.log(`dropped malformed frame: ${parsed.reason.slice(0, 200)}`, ws);
      const frame = parsed.frame;
      switch (frame.type) {
        case "hello": {
          const info = readConn(ws);
          if (info) writeConn(ws, { ...info, hello: frame.agent });
          // The terminals to keep live sessions with (docs/events.md §4); a courier takes nothing over.
          if (info && this.ctx.getTags(ws).includes(AGENT_TAG)) send(ws, await watchFrame(this.env.DB, info.siteId));
          // Offboardings queued while this site's agent was away run now that it is back (docs/people.md §3).
          if (info && this.ctx.getTags(ws).includes(AGENT_TAG)) this.ctx.waitUntil(this.applyQueuedOffboardings(info.siteId));
          return;
        }
        case "response":
          return await this.onResponse(ws, frame);
        case "extend": {
          // docs/relay.md §4: a bulk read found a large table; the wait grows, never past MAX_EXTENDED_WAIT_MS nor
          // past the bound of the fan-out the request belongs to, which is told the new deadline.
          const rule = this.extendRules.get(frame.id);
          const now = Date.now();
          const wait = Math.min(Math.min(frame.deadline, rule?.latest ?? Infinity) - now, MAX_EXTENDED_WAIT_MS);
          if (wait > 0 && this.inflight.get(readConn(ws)?.conn ?? "")?.extend(frame.id, wait) === true) this.tellExtended(rule, now + wait);
          return;
        }
        case "part": {
          const joined = this.parts.add(frame);
          if (joined === undefined) return;
          const response = parseJoinedResponse(joined);
          if (!response || response.id !== frame.id) return this.log(`dropped a response sent in ${frame.count} parts: not a valid response`, ws);
          return await this.onResponse(ws, response);
        }
        case "ack":
          return this.log("dropped ack frame: agents do not send acks", ws);
        case "ping":
          return send(ws, { v: RELAY_VERSION, type: "pong", ts: frame.ts });
        case "pong":
          return; // liveness only
        case "request":
          return this.log("dropped request frame: agents do not send requests", ws);
        case "events": {
          const info = readConn(ws);
          if (!info) return this.log("dropped events frame from an unknown connection", ws);
          return await this.intake.ingest(ws, info.siteId, frame);
        }
        case "watch":
          return this.log("dropped watch frame: agents do not send watch lists", ws);
        default: {
          const never: never = frame;
          return this.log(`dropped frame of unexpected type ${String((never as { type?: unknown }).type)}`, ws);
        }
      }
    } catch (e) {
      this.log(`frame handler failed: ${e instanceof Error ? e.message : String(e)}`, ws);
    }
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.failInflight(ws);
    // The hibernation API does not answer the peer's Close frame for us; without it the agent sees 1006.
    safeClose(ws, code >= 3000 && code <= 4999 ? code : 1000, reason);
  }

  override webSocketError(ws: WebSocket, error: unknown): void {
    this.log(`socket error: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300), ws);
    this.failInflight(ws);
  }

  private async onResponse(ws: WebSocket, frame: ResponseFrame): Promise<void> {
    const pending = this.inflight.get(readConn(ws)?.conn ?? "");
    const outcome: RelayOutcome = frame.ok ? { ok: true, result: frame.result } : { ok: false, error: frame.error };
    const waited = pending?.has(frame.id) === true;
    // Awaited and not durable (time.get, users.list…): nothing of it is in storage, so no storage read
    // delays the answer. Anything else (durable, late, redelivered, after a restart) is looked up.
    const durable = waited && !this.durableInflight.has(frame.id) ? false : await this.settleDurable(ws, frame, outcome, waited);
    if (!pending?.resolve(frame.id, outcome) && !durable) this.log(`dropped response for unknown id ${frame.id.slice(0, 64)}`, ws);
  }

  /**
   * A response to a durable request (its context is in storage) is applied — its data stored, and when nobody
   * waits for it any more the caller's audit row and replay completed — then acknowledged, so the agent's outbox
   * lets it go. Nothing is acknowledged that was not stored: a failed write leaves the agent re-sending. A
   * redelivered response this object no longer knows was applied before (its ack got lost): acknowledged again.
   * True when the response was a durable one.
   */
  private async settleDurable(ws: WebSocket, frame: ResponseFrame, outcome: RelayOutcome, waited: boolean): Promise<boolean> {
    const ctx = await findDurable(this.ctx.storage, frame.id);
    if (!ctx) {
      if (frame.redelivered !== true) return false;
      send(ws, { v: RELAY_VERSION, type: "ack", id: frame.id });
      return true;
    }
    try {
      await applyDurableResult(this.env, ctx, outcome, !waited, frame.id);
    } catch (e) {
      this.log(`could not store the durable result of ${ctx.op} ${frame.id}; the agent will send it again: ${e instanceof Error ? e.message : String(e)}`, ws);
      return true;
    }
    await forgetDurable(this.ctx.storage, frame.id);
    send(ws, { v: RELAY_VERSION, type: "ack", id: frame.id });
    return true;
  }

  /** Tells the fan-out a request belongs to how far its wait was extended; a failure is logged, never thrown. */
  private tellExtended(rule: Pick<RelayMeta, "onExtend"> | undefined, deadline: number): void {
    if (rule?.onExtend === undefined) return;
    const failed = (e: unknown) => this.log(`could not tell a fan-out about an extension: ${e instanceof Error ? e.message : String(e)}`);
    try {
      // An RPC stub of the caller's function: its promise is not awaited, the frame handler goes on.
      void Promise.resolve(rule.onExtend(deadline)).catch(failed);
    } catch (e) {
      failed(e);
    }
  }

  /** Queued deletes of this site, sent on this object's own agent socket; a failure is logged, never thrown. */
  private async applyQueuedOffboardings(siteId: string): Promise<void> {
    try {
      const applied = await applyQueued(this.env, siteId, (op, device, args, deadline, meta) => this.relay(op, device, args, deadline, meta));
      if (applied > 0) this.log(`applied ${applied} queued offboarding delete(s)`);
    } catch (e) {
      this.log(`queued offboardings not applied: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** When the agent on `ws` was last heard: a frame (attachment) or a ping the runtime answered for us. */
  private lastHeard(ws: WebSocket): number {
    const info = readConn(ws);
    let auto = 0;
    try {
      auto = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
    } catch {
      // Not every runtime keeps it; frames still count.
    }
    return Math.max(info?.lastSeen ?? info?.connectedAt ?? 0, auto);
  }

  private silenceMs(): number {
    const n = Number(this.env.AGENT_SILENCE_MS);
    return Number.isFinite(n) && n > 0 ? n : AGENT_SILENCE_MS;
  }

  /** Records that the agent on `ws` spoke (at most once per SEEN_RESOLUTION_MS). */
  private seen(ws: WebSocket): void {
    const info = readConn(ws);
    const now = Date.now();
    if (info && now - (info.lastSeen ?? 0) >= SEEN_RESOLUTION_MS) writeConn(ws, { ...info, lastSeen: now });
  }

  /**
   * The open agent socket, if any (the newest, should a replaced one still be closing) — unless its agent has been
   * silent past the bound (stopped, frozen, half-open link): then none, and requests fail fast with AGENT_OFFLINE.
   */
  private agentSocket(): WebSocket | undefined {
    const ws = this.ctx.getWebSockets(AGENT_TAG).filter((s) => s.readyState === WebSocket.OPEN).at(-1);
    if (ws && Date.now() - this.lastHeard(ws) > this.silenceMs()) return undefined;
    return ws;
  }

  private pendingOf(conn: string): PendingRequests<RelayOutcome> {
    let pending = this.inflight.get(conn);
    if (!pending) this.inflight.set(conn, (pending = new PendingRequests<RelayOutcome>()));
    return pending;
  }

  /** Fails every request sent on `ws` with AGENT_OFFLINE — the moment the socket is gone, not at their deadline. */
  private failInflight(ws: WebSocket): void {
    const conn = readConn(ws)?.conn;
    if (conn === undefined) return;
    const pending = this.inflight.get(conn);
    this.inflight.delete(conn);
    pending?.rejectAll(this.offline(readConn(ws)));
  }

  private retire(ws: WebSocket, code: number, reason: string): void {
    this.failInflight(ws);
    safeClose(ws, code, reason);
  }

  private offline(info?: ConnInfo): CodedError {
    const siteId = info?.siteId ?? this.ctx.id.name;
    const text = siteId === undefined ? "The site's agent is not connected." : message("en", "AGENT_OFFLINE", { site_id: siteId });
    return new CodedError("AGENT_OFFLINE", text);
  }

  /** Warnings carry the site and a reason, never frame contents (they may hold comm keys or user data). */
  private log(text: string, ws?: WebSocket): void {
    const site = (ws && readConn(ws)?.siteId) ?? this.ctx.id.name ?? "?";
    console.warn(`[site-relay ${site}] ${text}`);
  }
}
