// Test helpers for the gateway inside workerd: authenticated fetches, registry setup, and a fake site agent.
import { exports } from "cloudflare:workers";
import { env } from "cloudflare:workers";
import { RELAY_VERSION, parseFrame, type RequestFrame } from "../../shared/relay";
import { forgetAll } from "../../gateway/auth/cache";

export const BASE = "http://gateway.test";
export const ADMIN = env.ADMIN_API_KEY;

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  /** Raw body text (sent as is, with `contentType`). */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** fetch against the worker's default export with a bearer key (the admin key unless told otherwise). */
export function call(method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...opts.headers };
  const key = opts.key === undefined ? ADMIN : opts.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers["content-type"] = opts.contentType ?? "application/json";
  return (exports as unknown as { default: Fetcher }).default.fetch(`${BASE}${path}`, { method, headers, body });
}

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** `call`, then the body as text and parsed JSON. */
export async function json<T = any>(method: string, path: string, opts: CallOptions = {}): Promise<Answer<T>> {
  const res = await call(method, path, opts);
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

let counter = 0;
/** A fresh id for this test run (storage may be shared between tests of a file). */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** POST /admin/sites; returns the site id and its agent token. */
export async function createSite(id = uid("site")): Promise<{ id: string; token: string }> {
  const r = await json("POST", "/admin/sites", { body: { id } });
  if (r.status !== 201) throw new Error(`createSite ${id}: ${r.status} ${r.text}`);
  return { id, token: r.body.data.token };
}

export interface DeviceInput {
  id?: string;
  site: string;
  ip?: string;
  port?: number;
  password?: number;
  name?: string;
  transport?: "tcp" | "udp" | "auto";
}

/** POST /devices on `site` (127.0.0.1:4370 unless told: nothing ever dials it, the agent is fake). */
export async function createDevice(input: DeviceInput): Promise<string> {
  const id = input.id ?? uid("dev");
  const r = await json("POST", "/devices", { body: { ip: "127.0.0.1", port: 4370, ...input, id } });
  if (r.status !== 201) throw new Error(`createDevice ${id}: ${r.status} ${r.text}`);
  return id;
}

/** POST /admin/keys; returns the key id and secret. */
export async function createKey(role: "read" | "write" | "admin", sites?: string[]): Promise<{ id: string; key: string }> {
  const r = await json("POST", "/admin/keys", { body: { name: `${role} key`, role, ...(sites ? { sites } : {}) } });
  if (r.status !== 201) throw new Error(`createKey: ${r.status} ${r.text}`);
  return { id: r.body.data.id, key: r.body.data.key };
}

/** An agent-side failure: the handler throws one, the fake agent answers `ok: false`. */
export class AgentFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export type OpHandler = (args: any, req: RequestFrame) => unknown | Promise<unknown>;

export interface FakeAgent {
  requests: RequestFrame[];
  /** Requests for one op. */
  calls(op: string): RequestFrame[];
  handlers: Record<string, OpHandler>;
  /** Resolves when the gateway closes the socket. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Connects to /agent/connect with the site token and answers relay requests with `handlers` (per op). */
export async function fakeAgent(site: { id: string; token: string }, handlers: Record<string, OpHandler> = {}): Promise<FakeAgent> {
  const res = await call("GET", "/agent/connect", { key: site.token, headers: { upgrade: "websocket" } });
  const ws = res.webSocket;
  if (res.status !== 101 || !ws) throw new Error(`agent connect: ${res.status} ${await res.text()}`);
  ws.accept();
  const agent: FakeAgent = {
    requests: [],
    calls: (op) => agent.requests.filter((r) => r.op === op),
    handlers,
    closed: new Promise((resolve) => ws.addEventListener("close", (ev) => resolve({ code: ev.code, reason: ev.reason }))),
    close: () => {
      try {
        ws.close(1000, "test done");
      } catch {
        // Already closed by the gateway.
      }
    },
  };
  const onMessage = async (ev: MessageEvent) => {
    const parsed = parseFrame(ev.data as string);
    if (!parsed.ok) return;
    const frame = parsed.frame;
    if (frame.type === "ping") {
      ws.send(JSON.stringify({ v: RELAY_VERSION, type: "pong", ts: frame.ts }));
      return;
    }
    if (frame.type !== "request") return;
    agent.requests.push(frame);
    const handler = agent.handlers[frame.op];
    let reply: Record<string, unknown>;
    try {
      if (!handler) throw new AgentFailure("BAD_REQUEST", `no handler for ${frame.op}`);
      reply = { ok: true, result: await handler(frame.args, frame) };
    } catch (e) {
      const code = e instanceof AgentFailure ? e.code : "INTERNAL";
      const details = e instanceof AgentFailure && e.details ? { details: e.details } : {};
      reply = { ok: false, error: { code, message: (e as Error).message, ...details } };
    }
    ws.send(JSON.stringify({ v: RELAY_VERSION, type: "response", id: frame.id, ...reply }));
  };
  ws.addEventListener("message", (ev) => void onMessage(ev));
  ws.send(
    JSON.stringify({ v: RELAY_VERSION, type: "hello", agent: { version: "test-agent 0.0.0", hostname: "test-host", capabilities: [] } }),
  );
  await waitFor(async () => {
    const sites = await json("GET", "/admin/sites");
    return sites.body?.data?.some((s: any) => s.id === site.id && s.agent?.connected === true);
  });
  return agent;
}

/** Polls `check` until it is true (at most ~2 s). */
export async function waitFor(check: () => Promise<boolean>, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("condition not met in time");
}

/** A user as the agent reports it. */
export function user(userId: string, name = `User ${userId}`, uid = Number(userId) || 1) {
  return { uid, user_id: userId, name, privilege: 0, card: 0, group_id: "1" };
}

/** A 72-byte user record as base64: uid at 0 (u16 LE), name at 11, user_id at 48 (the layout the gateway checks). */
export function record72(uid: number, userId: string, name = ""): string {
  const b = new Uint8Array(72);
  b[0] = uid & 0xff;
  b[1] = uid >> 8;
  b.set(new TextEncoder().encode(name.slice(0, 23)), 11);
  b.set(new TextEncoder().encode(userId.slice(0, 23)), 48);
  return btoa(String.fromCharCode(...b));
}

/** A users.delete result: the user and its snapshot with `fingers` templates. */
export function deletedUser(userId: string, fingers = 2, name?: string) {
  const u = user(userId, name);
  return {
    user: u,
    snapshot: {
      format: 72,
      record: record72(u.uid, userId, u.name),
      user: u,
      templates: Array.from({ length: fingers }, (_, i) => ({ finger: i, flag: 1, template: btoa(`template-${userId}-${i}`) })),
    },
  };
}

/** Empties every registry table (storage is per test file, so this never touches another file's data). */
export async function wipe(): Promise<void> {
  const tables = ["audit_log", "user_snapshots", "idempotency", "devices", "api_keys", "sites"];
  await env.DB.batch(tables.map((t) => env.DB.prepare(`DELETE FROM ${t}`)));
  // Rows removed behind the API's back: the isolate's key and registry cache must not remember them.
  forgetAll();
}
