// The relay link over real sockets against a stub gateway: hello, requests, bad frames, reconnect, 401, stop.
import { afterEach, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { OP_NAMES } from "../../shared/ops";
import { parseFrame } from "../../shared/relay";
import { createLogger, type Logger } from "../../agent/log";
import { RelayLink, type RelayLinkOptions } from "../../agent/relay/link";
import { createRequestHandler, type Dispatch } from "../../agent/relay/requests";
import { createDispatcher } from "../../agent/ops";
import { FakeTerminal } from "../unit/agent-fake-session";
import { requestFrame, startGatewayStub, type GatewayStub } from "./agent-gateway-stub";

let stub: GatewayStub | undefined;
let link: RelayLink | undefined;

afterEach(async () => {
  if (link && link.state !== "stopped") await link.stop();
  link = undefined;
  await stub?.close();
  stub = undefined;
});

function memoryLogger() {
  const lines: string[] = [];
  const logger: Logger = createLogger({ format: "json", write: (l) => lines.push(l), level: "debug" });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function startLink(url: string, dispatch: Dispatch, over: Partial<RelayLinkOptions> = {}) {
  const log = memoryLogger();
  link = new RelayLink({
    url,
    token: "t",
    hello: { version: "0.1.0", hostname: "test-host", capabilities: OP_NAMES },
    handle: createRequestHandler({ dispatch, logger: log.logger }),
    logger: log.logger,
    backoff: { baseMs: 20, maxMs: 100 },
    ...over,
  });
  link.start();
  return { link, log };
}

const echo: Dispatch = async (req) => ({ echoed: req.args, op: req.op });

describe("RelayLink", () => {
  it("dials with the bearer token and sends a valid hello", async () => {
    stub = await startGatewayStub();
    startLink(stub.url, echo);
    const conn = await stub.connection(0);
    expect(conn.authorization).toBe("Bearer t");
    const hello = await conn.next((f) => f.type === "hello");
    expect(parseFrame(JSON.stringify(hello)).ok).toBe(true);
    expect(hello).toEqual({ v: 1, type: "hello", agent: { version: "0.1.0", hostname: "test-host", capabilities: OP_NAMES } });
  });

  it("answers request frames with response frames correlated by id", async () => {
    stub = await startGatewayStub();
    startLink(stub.url, echo);
    const conn = await stub.connection(0);
    const ids = [randomUUID(), randomUUID()];
    conn.send(requestFrame(ids[0]!, "users.delete", { user_id: "123" }));
    conn.send(requestFrame(ids[1]!, "users.list"));
    const [a, b] = await Promise.all(ids.map((id) => conn.next((f) => f.type === "response" && f.id === id)));
    expect(a).toEqual({ v: 1, type: "response", id: ids[0], ok: true, result: { echoed: { user_id: "123" }, op: "users.delete" } });
    expect(b).toMatchObject({ ok: true, result: { op: "users.list" } });
    expect(parseFrame(JSON.stringify(a)).ok).toBe(true);
  });

  it("logs and drops malformed and unexpected frames, and keeps serving", async () => {
    stub = await startGatewayStub();
    const { log } = startLink(stub.url, echo);
    const conn = await stub.connection(0);
    await conn.next((f) => f.type === "hello");
    conn.send("not json at all");
    conn.ws.send(Buffer.from([1, 2, 3]));
    conn.send({ v: 2, type: "request" });
    conn.send({ v: 1, type: "request", id: "not-a-uuid", op: "users.list" });
    conn.send({ v: 1, type: "hello", agent: { version: "x", hostname: "gw", capabilities: [] } });
    const id = randomUUID();
    conn.send(requestFrame(id, "time.get"));
    await conn.next((f) => f.id === id);
    expect(conn.ws.readyState).toBe(conn.ws.OPEN);
    expect(stub.connections).toHaveLength(1);
    const drops = log.parsed().filter((l) => String(l.msg).startsWith("dropped"));
    expect(drops).toHaveLength(5);
    expect(drops[0]).toMatchObject({ level: "warn", reason: "not JSON" });
  });

  it("answers AGENT_OUTDATED for an unknown op and VALIDATION_FAILED for bad args", async () => {
    stub = await startGatewayStub();
    startLink(stub.url, echo);
    const conn = await stub.connection(0);
    const [u, v] = [randomUUID(), randomUUID()];
    conn.send(requestFrame(u, "device.selfDestruct"));
    conn.send(requestFrame(v, "users.delete", { user_id: "has space" }));
    expect(await conn.next((f) => f.id === u)).toMatchObject({ ok: false, error: { code: "AGENT_OUTDATED" } });
    expect(await conn.next((f) => f.id === v)).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
  });

  it("answers a request whose deadline already passed without dispatching it", async () => {
    stub = await startGatewayStub();
    let dispatched = 0;
    startLink(stub.url, async () => void dispatched++);
    const conn = await stub.connection(0);
    const id = randomUUID();
    conn.send(requestFrame(id, "users.list", {}, { deadline: Date.now() - 5 }));
    expect(await conn.next((f) => f.id === id)).toMatchObject({ ok: false, error: { code: "RELAY_TIMEOUT" } });
    expect(dispatched).toBe(0);
  });

  it("shifts deadlines by the clock difference read from the upgrade's Date header", async () => {
    const SKEW = 90_000; // the agent's clock is 90 s fast
    stub = await startGatewayStub({ clock: () => new Date(Date.now() - SKEW) });
    const seen: number[] = [];
    const { log } = startLink(stub.url, async (req) => void seen.push(req.deadline));
    const conn = await stub.connection(0);
    await conn.next((f) => f.type === "hello");
    const gatewayDeadline = Date.now() - SKEW + 10_000; // 10 s from now on the gateway's clock
    const id = randomUUID();
    conn.send(requestFrame(id, "users.list", {}, { deadline: gatewayDeadline }));
    expect(await conn.next((f) => f.id === id)).toMatchObject({ ok: true });
    expect(Math.abs(seen[0]! - (gatewayDeadline + SKEW))).toBeLessThan(2_000);
    expect(log.parsed().some((l) => l.msg === "agent clock differs from the gateway's; correcting request deadlines")).toBe(true);
  });

  it("answers the gateway's application ping with a pong carrying the same ts", async () => {
    stub = await startGatewayStub();
    startLink(stub.url, echo);
    const conn = await stub.connection(0);
    conn.send({ v: 1, type: "ping", ts: 12345 });
    expect(await conn.next((f) => f.type === "pong")).toEqual({ v: 1, type: "pong", ts: 12345 });
  });

  it("reconnects after the gateway drops the socket, and says hello again", async () => {
    stub = await startGatewayStub();
    startLink(stub.url, echo);
    const first = await stub.connection(0);
    await first.next((f) => f.type === "hello");
    first.ws.terminate();
    const second = await stub.connection(1);
    await second.next((f) => f.type === "hello");
    const id = randomUUID();
    second.send(requestFrame(id, "time.get"));
    expect(await second.next((f) => f.id === id)).toMatchObject({ ok: true });
  });

  it("keeps retrying with backoff while the gateway answers the upgrade with 503", async () => {
    stub = await startGatewayStub({ status: 503 });
    const { log } = startLink(stub.url, echo);
    await waitFor(() => stub!.upgrades >= 3);
    const retries = log.parsed().filter((l) => l.msg === "gateway link down; reconnecting");
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries[0]).toMatchObject({ status: 503 });
    // Growing delays (baseMs 20, equal jitter): the second wait's ceiling is twice the first's.
    const delays = retries.map((r) => r.retry_in_ms as number);
    expect(delays[0]).toBeLessThanOrEqual(20);
    expect(delays[1]).toBeGreaterThanOrEqual(20);
    stub.options.status = undefined; // the gateway is back
    await stub.connection(0);
  });

  it("stops for good on 401: clear log line, exit code 1, no hammering", async () => {
    stub = await startGatewayStub({ token: "the-right-token" });
    const { link: l, log } = startLink(stub.url, echo, { token: "zkr_site_wrong-token" });
    expect(await l.done).toEqual({ code: 1, reason: "unauthorized" });
    await new Promise((r) => setTimeout(r, 200)); // ten backoff periods: a retrying agent would have redialled
    expect(stub.upgrades).toBe(1);
    const err = log.parsed().find((x) => x.level === "error");
    expect(String(err?.msg)).toContain("HTTP 401");
    expect(log.lines.join("")).not.toContain("zkr_site_wrong-token");
  });

  it("terminates and redials a socket that stays silent after a ping", async () => {
    stub = await startGatewayStub({ silent: true });
    const { log } = startLink(stub.url, echo, { pingIntervalMs: 40, pongTimeoutMs: 60 });
    const first = await stub.connection(0);
    await first.next((f) => f.type === "ping");
    const closed = await first.closed;
    expect(closed.code).toBe(1006); // terminated, not a polite close
    await stub.connection(1);
    expect(log.parsed().some((l) => String(l.msg).startsWith("gateway silent after ping"))).toBe(true);
  });

  it("keeps a link whose gateway answers pings", async () => {
    stub = await startGatewayStub();
    startLink(stub.url, echo, { pingIntervalMs: 20, pongTimeoutMs: 500 });
    const conn = await stub.connection(0);
    await waitFor(() => conn.frames.filter((f) => f.type === "ping").length >= 5);
    expect(stub.connections).toHaveLength(1);
  });

  it("stop(): finishes in-flight requests, refuses new ones, closes with 1000", async () => {
    stub = await startGatewayStub();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { link: l } = startLink(stub.url, async () => {
      await gate;
      return { late: true };
    });
    const conn = await stub.connection(0);
    const inflight = randomUUID();
    conn.send(requestFrame(inflight, "users.list"));
    await waitFor(() => l.inflightCount === 1);
    const stopped = l.stop();
    const refused = randomUUID();
    conn.send(requestFrame(refused, "users.list"));
    expect(await conn.next((f) => f.id === refused)).toMatchObject({ ok: false, error: { code: "AGENT_OFFLINE" } });
    release();
    expect(await conn.next((f) => f.id === inflight)).toMatchObject({ ok: true, result: { late: true } });
    expect(await conn.closed).toEqual({ code: 1000, reason: "agent shutting down" });
    expect(await stopped).toEqual({ code: 0, reason: "stopped" });
    await new Promise((r) => setTimeout(r, 100));
    expect(stub.connections).toHaveLength(1); // no redial after a stop
  });

  it("answers INTERNAL when the result cannot be serialised, instead of leaving the gateway to its deadline", async () => {
    stub = await startGatewayStub();
    const { log } = startLink(stub.url, async () => ({ big: 10n }));
    const conn = await stub.connection(0);
    const id = randomUUID();
    conn.send(requestFrame(id, "users.list"));
    expect(await conn.next((f) => f.id === id, 2000)).toEqual({
      v: 1,
      type: "response",
      id,
      ok: false,
      error: { code: "INTERNAL", message: "internal agent error" },
    });
    expect(log.parsed().some((l) => l.level === "error" && String(l.msg).includes("could not send the response"))).toBe(true);
  });

  it("aborts the requests of a socket when it closes: jobs still queued for a terminal never run", async () => {
    stub = await startGatewayStub();
    const t = new FakeTerminal();
    t.delayMs = 100;
    const dispatcher = createDispatcher({ sessionFactory: t.factory() });
    const { link: l } = startLink(stub.url, dispatcher.dispatch);
    const conn = await stub.connection(0);
    await conn.next((f) => f.type === "hello");
    for (let i = 0; i < 3; i++) conn.send(requestFrame(randomUUID(), "time.get"));
    await waitFor(() => t.calls.some((c) => c.name === "getTime"));
    conn.ws.terminate();
    await waitFor(() => l.inflightCount === 0);
    await dispatcher.pool.idle();
    // The first was on the terminal already and finished; the two behind it were dropped.
    expect(t.callNames().filter((n) => n === "getTime")).toHaveLength(1);
    expect(dispatcher.pool.activeTerminals).toBe(0);
  });

  it("stop() while waiting to reconnect ends at once", async () => {
    stub = await startGatewayStub({ status: 503 });
    const { link: l } = startLink(stub.url, echo, { backoff: { baseMs: 60_000, maxMs: 60_000 } });
    await waitFor(() => l.state === "waiting");
    expect(await l.stop()).toEqual({ code: 0, reason: "stopped" });
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
