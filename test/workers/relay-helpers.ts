// Relay test helpers inside workerd: sites straight in D1, and a scripted agent socket the test answers by hand.
import { env, exports } from "cloudflare:workers";
import { sha256Hex } from "../../gateway/auth/crypto";
import type { DeviceTarget } from "../../shared/device";
import { parseFrame, RELAY_VERSION, type RelayFrame, type RequestFrame } from "../../shared/relay";

let counter = 0;

/** A site row with a fresh token (hash stored, as the registry does); ids are unique per call. */
export async function insertSite(prefix = "relay"): Promise<{ id: string; token: string }> {
  counter += 1;
  const id = `${prefix}-${Date.now().toString(36)}-${counter}`;
  const token = `zkr_test_${crypto.randomUUID()}`;
  await env.DB.prepare("INSERT INTO sites (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)")
    .bind(id, id, await sha256Hex(token), new Date().toISOString())
    .run();
  return { id, token };
}

/** GET /agent/connect through the whole Worker. */
export function connectRequest(headers: Record<string, string>): Promise<Response> {
  return (exports as unknown as { default: Fetcher }).default.fetch("http://gateway.test/agent/connect", { headers });
}

/** A device target; nothing dials it (the agent is the test). */
export function target(timeout = 5, id = "principal"): DeviceTarget {
  return { id, ip: "127.0.0.1", port: 4370, transport: "tcp", password: 123456, timeout };
}

export interface Closed {
  code: number;
  reason: string;
}

/** The agent end of a relay socket, driven by the test: it sees every frame and answers only when told. */
export class ScriptedAgent {
  readonly frames: RelayFrame[] = [];
  /** Frames from the gateway that failed parseFrame (there should be none). */
  readonly malformed: string[] = [];
  readonly closed: Promise<Closed>;
  private readonly taken = new Map<string, number>();
  private waiters: Array<{ type: RelayFrame["type"]; resolve: (f: RelayFrame) => void }> = [];

  constructor(readonly ws: WebSocket) {
    ws.accept();
    this.closed = new Promise((resolve) => ws.addEventListener("close", (ev) => resolve({ code: ev.code, reason: ev.reason })));
    ws.addEventListener("message", (ev) => {
      const parsed = parseFrame(ev.data as string);
      if (!parsed.ok) return void this.malformed.push(parsed.reason);
      this.frames.push(parsed.frame);
      const i = this.waiters.findIndex((w) => w.type === parsed.frame.type);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(parsed.frame);
    });
  }

  /** Resolves with the next frame of `type` (one already received and not yet taken counts). */
  next<T extends RelayFrame["type"]>(type: T, timeoutMs = 2000): Promise<Extract<RelayFrame, { type: T }>> {
    const taken = this.taken.get(type) ?? 0;
    const seen = this.frames.filter((f) => f.type === type);
    this.taken.set(type, taken + 1);
    if (seen.length > taken) return Promise.resolve(seen[taken] as Extract<RelayFrame, { type: T }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} frame within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f as Extract<RelayFrame, { type: T }>);
        },
      });
    });
  }
  /** `n` request frames, in the order they arrived. */
  async requests(n: number): Promise<RequestFrame[]> {
    const out: RequestFrame[] = [];
    for (let i = 0; i < n; i++) out.push(await this.next("request"));
    return out;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  hello(hostname = "caseta-1", version = "0.1.0", capabilities: string[] = ["tcp", "udp"]): void {
    this.send({ v: RELAY_VERSION, type: "hello", agent: { version, hostname, capabilities } });
  }

  answer(id: string, result: unknown): void {
    this.send({ v: RELAY_VERSION, type: "response", id, ok: true, result });
  }

  fail(id: string, code: string, message: string): void {
    this.send({ v: RELAY_VERSION, type: "response", id, ok: false, error: { code, message } });
  }

  close(code = 1000, reason = "bye"): void {
    this.ws.close(code, reason);
  }
}

/** Connects an agent for `site` through /agent/connect; throws unless the upgrade succeeded. */
export async function connectAgent(site: { token: string }): Promise<ScriptedAgent> {
  const res = await connectRequest({ Upgrade: "websocket", Authorization: `Bearer ${site.token}` });
  if (res.status !== 101 || !res.webSocket) throw new Error(`connect answered ${res.status}: ${await res.text()}`);
  return new ScriptedAgent(res.webSocket);
}

/** The site's Durable Object stub. */
export function relayOf(siteId: string) {
  return env.SITE_RELAY.get(env.SITE_RELAY.idFromName(siteId));
}

/** Polls `check` every 10 ms until it holds (at most `tries` times). */
export async function until(check: () => Promise<boolean> | boolean, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition not met in time");
}
