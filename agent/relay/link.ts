// The agent's outbound WebSocket to the gateway: hello, request/response, heartbeat, reconnect, graceful stop.
import WebSocket, { type RawData } from "ws";
import type { EventsFrame } from "../../shared/events";
import { MAX_FRAME_BYTES, parseFrame, PING_TEXT, RELAY_VERSION, type RequestFrame, type ResponseFrame } from "../../shared/relay";
import { Backoff } from "./backoff";
import { clockSkewMs } from "./clock-skew";
import { deliverByCourier } from "./courier";
import { Heartbeat } from "./heartbeat";
import type { LinkExit, LinkState, RelayLinkOptions } from "./link-options";
import { CLOSE_REPLACED } from "./link-options";
import { internalErrorText, responseTexts, serializeResponse } from "./requests";

export type { HelloInfo, LinkEvents, LinkExit, LinkOutbox, LinkState, RelayLinkOptions } from "./link-options";
export { CLOSE_REPLACED } from "./link-options";

/** One long-lived relay link; `start()` once, then `done` settles when it stops for good. */
export class RelayLink {
  readonly done: Promise<LinkExit>;
  private resolveDone!: (exit: LinkExit) => void;
  private ws: WebSocket | undefined;
  private stateValue: LinkState = "idle";
  private readonly backoff: Backoff;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly inflight = new Map<string, Promise<void>>();
  private rejectedStatus: number | undefined;
  private lastError: string | undefined;
  private openedAt = 0;
  /** Agent clock minus gateway clock, in ms (0 when unknown or under 2 s). */
  private skewMs = 0;
  /** Latest deadline (agent clock) of the requests in flight: a drain waits for them up to it. */
  private readonly deadlines = new Map<string, number>();
  /** Replacements by another agent since this one last held the link for a while. */
  private replacements = 0;
  private resendTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: RelayLinkOptions) {
    this.backoff = new Backoff(opts.backoff);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    opts.logger.addSecret(opts.token);
  }

  get state(): LinkState {
    return this.stateValue;
  }

  /** Requests being worked on right now. */
  get inflightCount(): number {
    return this.inflight.size;
  }

  start(): void {
    if (this.stateValue !== "idle") return;
    this.dial();
  }

  /**
   * Stops taking requests, lets in-flight ones finish — each up to its own deadline (at least drainTimeoutMs) — so
   * their answers are sent or, for durable results, in the outbox; waits briefly for the gateway's acks; closes
   * with 1000 and settles `done` with code 0. What is still unacknowledged is sent again by the next run.
   */
  async stop(): Promise<LinkExit> {
    if (this.stateValue === "stopped" || this.stateValue === "stopping") return this.done;
    this.stateValue = "stopping";
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.opts.logger.info("stopping: finishing in-flight requests", { inflight: this.inflight.size, outbox: this.opts.outbox?.size ?? 0 });
    const latest = Math.max(0, ...this.deadlines.values()) - Date.now();
    const drainMs = Math.min(Math.max(this.opts.drainTimeoutMs ?? 10_000, latest), 130_000);
    const drained = await settleWithin([...this.inflight.values()], drainMs);
    if (!drained) this.opts.logger.warn("stop: in-flight requests still running after the drain timeout", { inflight: this.inflight.size });
    await this.awaitAcks(2_000);
    await this.closeSocket(1000, "agent shutting down");
    this.finish({ code: 0, reason: "stopped" });
    return this.done;
  }

  /** Waits up to `ms` for the outbox to empty while the link is open (the gateway acks what it stored). */
  private async awaitAcks(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while ((this.opts.outbox?.unacked().length ?? 0) > 0 && this.ws?.readyState === WebSocket.OPEN && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private dial(): void {
    this.stateValue = "connecting";
    this.rejectedStatus = undefined;
    this.lastError = undefined;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.opts.url, {
        headers: { Authorization: `Bearer ${this.opts.token}` },
        handshakeTimeout: this.opts.handshakeTimeoutMs ?? 10_000,
        maxPayload: MAX_FRAME_BYTES + 1024,
        perMessageDeflate: false,
      });
    } catch (err) {
      this.opts.logger.error("cannot dial the gateway URL", { url: redactUrl(this.opts.url), error: err });
      this.finish({ code: 2, reason: "bad-url" });
      return;
    }
    this.ws = ws;
    // One signal per socket: its requests can only be answered on it (see onRequest).
    const gone = new AbortController();
    const heartbeat = new Heartbeat({
      intervalMs: this.opts.pingIntervalMs,
      timeoutMs: this.opts.pongTimeoutMs,
      // A fixed text: the gateway answers it without waking its Durable Object (WebSocket auto-response).
      sendPing: () => this.sendOn(ws, PING_TEXT),
      onSilent: () => {
        this.opts.logger.warn("gateway silent after ping; dropping the link and redialling");
        ws.terminate();
      },
    });

    ws.on("unexpected-response", (_req, res) => {
      // The gateway answered the upgrade with plain HTTP (401 bad token, 5xx during deploys): remember and abort.
      this.rejectedStatus = res.statusCode;
      res.resume();
      ws.terminate();
    });
    ws.on("upgrade", (res) => this.measureSkew(res.headers.date));
    ws.on("open", () => {
      this.openedAt = Date.now();
      if (this.stateValue === "connecting") this.stateValue = "open";
      this.opts.logger.info("connected to gateway", { url: redactUrl(this.opts.url) });
      this.sendOn(ws, JSON.stringify({ v: RELAY_VERSION, type: "hello", agent: this.opts.hello }));
      heartbeat.start();
      // Durable answers the gateway has not acknowledged yet (earlier links, earlier runs) go first, then again
      // every resendMs until acked.
      this.resend(ws);
      if (this.resendTimer !== undefined) clearInterval(this.resendTimer);
      this.resendTimer = setInterval(() => this.resend(ws), this.opts.resendMs ?? 30_000);
      this.resendTimer.unref?.();
    });
    ws.on("message", (data, isBinary) => {
      heartbeat.seen();
      this.onMessage(ws, data, isBinary, gone.signal);
    });
    ws.on("error", (err) => {
      // Always followed by "close", which logs it (ECONNREFUSED, DNS, TLS, handshake timeout…).
      this.lastError = err.message;
    });
    ws.on("close", (code, reason) => {
      heartbeat.stop();
      gone.abort();
      if (this.resendTimer !== undefined) clearInterval(this.resendTimer);
      this.resendTimer = undefined;
      if (this.ws === ws) this.ws = undefined;
      this.onClose(code, reason.toString());
    });
  }

  private onClose(code: number, reason: string): void {
    if (this.stateValue === "stopping" || this.stateValue === "stopped") return;
    const status = this.rejectedStatus;
    if (status === 401 || status === 403) {
      // Retrying cannot fix a wrong or revoked token, and hammering the gateway helps nobody.
      this.opts.logger.error(`gateway refused the agent token (HTTP ${status}); check --token / ZK_RELAY_TOKEN`, { status });
      this.finish({ code: 1, reason: "unauthorized" });
      return;
    }
    const held = this.openedAt > 0 ? Date.now() - this.openedAt : 0;
    if (this.openedAt > 0 && held >= (this.opts.stableMs ?? 5_000)) this.backoff.reset();
    this.openedAt = 0;
    if (code === CLOSE_REPLACED) return this.onReplaced();
    if (held >= 10 * 60_000) this.replacements = 0;
    const delay = this.backoff.next();
    this.opts.logger.warn("gateway link down; reconnecting", {
      ...(status !== undefined ? { status } : { close_code: code, reason: reason || undefined, error: this.lastError }),
      retry_in_ms: delay,
    });
    this.lastError = undefined;
    this.stateValue = "waiting";
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stateValue === "waiting") this.dial();
    }, delay);
  }

  /**
   * Another agent dialled in with this site's token and the gateway keeps the newest. Redialling at once would
   * replace it in turn, forever, failing in-flight work each time: this one steps back for a long while, says so
   * once, and after repeated replacements exits (code 3) so a supervisor or a human notices the duplicate.
   */
  private onReplaced(): void {
    this.replacements++;
    const max = this.opts.maxReplacements ?? 3;
    if (this.replacements >= max) {
      this.opts.logger.error("another agent with this site's token keeps replacing this one; exiting", { replacements: this.replacements });
      this.finish({ code: 3, reason: "replaced" });
      return;
    }
    const delay = this.opts.replacedBackoffMs ?? 5 * 60_000;
    this.opts.logger.error("replaced by another agent using this site's token (only one may be connected); standing back", {
      retry_in_ms: delay,
      replacements: this.replacements,
    });
    this.stateValue = "waiting";
    void this.deliverAfterReplacement();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stateValue === "waiting") this.dial();
    }, delay);
  }

  /**
   * Requests still running when this agent was replaced finish on the terminal; their durable answers (and any
   * older unacknowledged ones) are then delivered on a courier connection, which does not take the site back.
   */
  private async deliverAfterReplacement(): Promise<void> {
    const outbox = this.opts.outbox;
    if (!outbox) return;
    await settleWithin([...this.inflight.values()], 130_000);
    if (outbox.unacked().length === 0 || this.stateValue !== "waiting") return;
    const left = await deliverByCourier(this.opts.url, this.opts.token, outbox, this.opts.logger);
    this.opts.logger.info("durable answers delivered after replacement", { left });
  }

  /** Sends every unacknowledged outbox answer now, if the link is open (the outbox just gained one). */
  flush(): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.resend(this.ws);
  }

  /** Sends one new event batch now if the link is open (else the next connect sends it). */
  sendEvents(frame: EventsFrame): void {
    const ws = this.ws;
    if (ws?.readyState === WebSocket.OPEN) this.sendOn(ws, JSON.stringify(frame));
  }

  /** Sends every unacknowledged outbox answer (and event batch) on `ws`. */
  private resend(ws: WebSocket): void {
    for (const frame of this.opts.events?.unacked() ?? []) this.sendOn(ws, JSON.stringify(frame));
    for (const frame of this.opts.outbox?.unacked() ?? []) {
      try {
        this.sendOn(ws, serializeResponse(frame), frame.id);
      } catch (err) {
        this.opts.logger.error("could not re-send an outbox answer", { id: frame.id, error: err });
      }
    }
  }

  private onMessage(ws: WebSocket, data: RawData, isBinary: boolean, gone: AbortSignal): void {
    const parsed = parseFrame(isBinary ? new Uint8Array(0) : rawToString(data));
    if (!parsed.ok) {
      this.opts.logger.warn("dropped malformed frame from gateway", { reason: parsed.reason.slice(0, 300) });
      return;
    }
    const frame = parsed.frame;
    switch (frame.type) {
      case "request":
        this.onRequest(ws, frame, gone);
        return;
      case "ping":
        this.sendOn(ws, JSON.stringify({ v: RELAY_VERSION, type: "pong", ts: frame.ts }));
        return;
      case "pong":
        return; // liveness only: heartbeat.seen() already ran
      case "watch":
        this.opts.onWatch?.(frame.devices);
        return;
      case "ack":
        if (this.opts.events?.has(frame.id)) {
          void this.opts.events.ack(frame.id).catch((err: unknown) => this.opts.logger.error("could not remove an acknowledged event batch", { id: frame.id, error: err }));
          return;
        }
        void this.opts.outbox?.ack(frame.id).catch((err: unknown) => this.opts.logger.error("could not remove an acknowledged outbox entry", { id: frame.id, error: err }));
        return;
      default:
        this.opts.logger.warn("dropped unexpected frame from gateway", { type: frame.type });
    }
  }

  private onRequest(ws: WebSocket, frame: RequestFrame, gone: AbortSignal): void {
    if (this.stateValue === "stopping" || this.stateValue === "stopped") {
      const error = { code: "AGENT_OFFLINE", message: "agent is shutting down" };
      this.sendOn(ws, JSON.stringify({ v: RELAY_VERSION, type: "response", id: frame.id, ok: false, error }));
      return;
    }
    if (this.inflight.has(frame.id)) {
      this.opts.logger.warn("dropped duplicate request id", { id: frame.id });
      return;
    }
    // Deadlines are gateway epoch ms; on the agent's clock they are `skew` later (see measureSkew).
    const local = this.skewMs === 0 ? frame : { ...frame, deadline: frame.deadline + this.skewMs };
    // docs/relay.md §4: a bulk read that found a large table asks the gateway to wait longer (its clock: minus skew).
    const extend = (deadline: number) => {
      this.deadlines.set(frame.id, deadline);
      this.sendOn(ws, JSON.stringify({ v: RELAY_VERSION, type: "extend", id: frame.id, deadline: Math.round(deadline - this.skewMs) }));
    };
    const work = this.opts
      .handle(local, gone, extend)
      // The response goes back on the socket the request came from: after a reconnect the gateway has already
      // failed that request with AGENT_OFFLINE and would not know the id — unless it is a durable result in the
      // outbox, which every later link re-sends until acknowledged.
      .then(
        (response) => this.deliver(ws, frame.id, response),
        (err) => {
          this.opts.logger.error("request handler threw", { id: frame.id, error: err });
          this.respond(ws, frame.id, undefined);
        },
      )
      .finally(() => {
        this.inflight.delete(frame.id);
        this.deadlines.delete(frame.id);
      });
    this.inflight.set(frame.id, work);
    // An extend sent while the request was being queued (behind a long read) has already set a later one.
    this.deadlines.set(frame.id, Math.max(local.deadline, this.deadlines.get(frame.id) ?? 0));
  }

  /**
   * An answer with an outbox entry (the op wrote ahead) is stored as final before it is sent; one whose outcome
   * the agent could not learn stays unsettled there (settled against the terminal later) and is sent as it is.
   */
  private async deliver(ws: WebSocket, id: string, response: ResponseFrame): Promise<void> {
    const outbox = this.opts.outbox;
    if (outbox?.has(id) && !(response.ok === false && response.error.details?.outcome === "unknown")) {
      try {
        const text = serializeResponse(response);
        await outbox.finalize(id, JSON.parse(text) as ResponseFrame);
      } catch (err) {
        this.opts.logger.error("could not store a durable answer in the outbox; sending it anyway", { id, error: err });
      }
    }
    this.respond(this.ws && this.ws !== ws && outbox?.has(id) ? this.ws : ws, id, response);
  }

  /** Sends `response`, or INTERNAL when it cannot be serialised or sent: the gateway must not wait out the deadline. */
  private respond(ws: WebSocket, id: string, response: ResponseFrame | undefined): void {
    if (response) {
      try {
        // Larger than one frame: sent in parts (docs/relay.md §2).
        for (const text of responseTexts(response)) this.sendOn(ws, text, id);
        return;
      } catch (err) {
        this.opts.logger.error("could not send the response; answering INTERNAL", { id, error: err });
      }
    }
    try {
      this.sendOn(ws, internalErrorText(id), id);
    } catch (err) {
      this.opts.logger.error("could not send the INTERNAL response either", { id, error: err });
    }
  }

  /**
   * Request deadlines are written on the gateway's clock. An on-site PC whose clock is a minute fast would see
   * every request as expired (and one a minute slow would run requests the gateway gave up on), so deadlines are
   * shifted by the difference measured at each upgrade.
   */
  private measureSkew(date: string | undefined): void {
    this.skewMs = clockSkewMs(date, Date.now());
    if (this.skewMs !== 0) this.opts.logger.warn("agent clock differs from the gateway's; correcting request deadlines", { skew_ms: this.skewMs });
  }

  private sendOn(ws: WebSocket, text: string, requestId?: string): void {
    if (ws.readyState !== WebSocket.OPEN) {
      if (requestId) this.opts.logger.warn("response dropped: link closed before it was ready", { id: requestId });
      return;
    }
    ws.send(text);
  }

  private async closeSocket(code: number, reason: string): Promise<void> {
    const ws = this.ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2_000);
      ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
      else ws.terminate();
    });
  }

  private finish(exit: LinkExit): void {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.stateValue = "stopped";
    this.resolveDone(exit);
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data).toString("utf8");
}

/** The gateway URL without credentials or query (some deployments put a token in the query string). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "<invalid url>";
  }
}

async function settleWithin(promises: Promise<unknown>[], ms: number): Promise<boolean> {
  if (promises.length === 0) return true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const all = Promise.allSettled(promises).then(() => true as const);
  const result = await Promise.race([all, timeout]);
  clearTimeout(timer);
  return result;
}
