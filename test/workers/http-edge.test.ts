// Edge cases of the HTTP layer: repeated query parameters, JSON errors, impossible dates, request ids, HEAD, 413.
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { app } from "../../gateway/app";
import { createDevice, createSite, fakeAgent, json, type FakeAgent } from "./helpers";
import { interceptDb, requestWith } from "./intercept";

let agent: FakeAgent;

beforeAll(async () => {
  const site = await createSite("norte");
  await createDevice({ id: "principal", site: site.id, password: 987654 });
  await createDevice({ id: "entrada", site: site.id });
  agent = await fakeAgent(site, {
    "attendance.list": () => ({ records: [] }),
    "time.sync": (args) => ({ time: args.time ?? "2024-01-01 00:00:00" }),
  });
});
afterAll(() => agent.close());
beforeEach(() => {
  agent.requests.length = 0;
});

describe("query parameters", () => {
  test("a parameter given more than once → 400 VALIDATION_FAILED naming it; nothing is touched", async () => {
    for (const path of ["/users/123?devices=principal&devices=entrada", "/attendance/all?user_id=1&user_id=2", "/devices/principal/attendance?date=2024-01-01&date=2024-01-02"]) {
      const method = path.startsWith("/users") ? "DELETE" : "GET";
      const r = await json(method, path);
      expect(r.status, path).toBe(400);
      expect(r.body.code).toBe("VALIDATION_FAILED");
      expect(r.body.details).toEqual([{ path: path.match(/\?(\w+)=/)![1], message: "given more than once" }]);
    }
    expect(agent.requests).toHaveLength(0);
  });
});

describe("invalid JSON", () => {
  test("the error never echoes the body (it may hold a comm key)", async () => {
    for (const raw of ['{"id": "x", "ip": "127.0.0.1", "password": 987654 oops}', '{"password": 987654,']) {
      const r = await json("POST", "/devices", { raw });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ success: false, error: "Solicitud no válida: body is not valid JSON", code: "BAD_REQUEST" });
      expect(r.text).not.toContain("987654");
    }
  });
});

describe("impossible dates and times", () => {
  test("2024-02-30 and 25:61:00 → localized 400 VALIDATION_FAILED before the agent is asked", async () => {
    const date = await json("GET", "/devices/principal/attendance?date=2024-02-30");
    expect(date.status).toBe(400);
    expect(date.body).toMatchObject({ code: "VALIDATION_FAILED", error: "Datos no válidos: date: not a real calendar date" });
    const from = await json("GET", `/devices/principal/attendance?from=${encodeURIComponent("2024-01-01 25:61:00")}`, {
      headers: { "accept-language": "en" },
    });
    expect(from.status).toBe(400);
    expect(from.body.error).toBe("Invalid input: from: not a real date and time");
    const sync = await json("POST", "/devices/principal/sync-time", { body: { time: "2023-02-29 10:00:00" } });
    expect(sync.status).toBe(400);
    expect(sync.body.details).toEqual([{ path: "time", message: "not a real date and time" }]);
    const all = await json("GET", "/attendance/all?date=2024-13-01");
    expect(all.status).toBe(400);
    expect(agent.requests).toHaveLength(0);
    // Real ones still pass, leap day included.
    expect((await json("GET", "/devices/principal/attendance?date=2024-02-29")).status).toBe(200);
  });
});

describe("request ids", () => {
  test("X-Request-Id is always ours; a client's own id is echoed apart, never adopted", async () => {
    const r = await json("GET", "/", { key: null, headers: { "x-request-id": "client-chosen-id" } });
    expect(r.headers.get("x-request-id")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(r.headers.get("x-client-request-id")).toBe("client-chosen-id");
    const other = await json("GET", "/", { key: null, headers: { "x-request-id": "client-chosen-id" } });
    expect(other.headers.get("x-request-id")).not.toBe(r.headers.get("x-request-id"));
  });
});

describe("HEAD /", () => {
  test("is public like GET /", async () => {
    const res = await app.request("http://gateway.test/", { method: "HEAD" }, env);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });
});

describe("oversized bodies", () => {
  /** A body stream that counts what the gateway actually read. */
  function counted(total: number, chunk = 16 * 1024) {
    const state = { pulled: 0 };
    const bytes = new TextEncoder().encode("x".repeat(chunk));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (state.pulled >= total) return controller.close();
        state.pulled += bytes.byteLength;
        controller.enqueue(bytes);
      },
    });
    return { stream, state };
  }
  const post = (stream: ReadableStream, headers: Record<string, string> = {}) =>
    app.request(
      "http://gateway.test/admin/sites",
      {
        method: "POST",
        body: stream,
        headers: { "content-type": "application/json", authorization: `Bearer ${env.ADMIN_API_KEY}`, ...headers },
        duplex: "half",
      } as RequestInit,
      env,
    );

  test("413 only after the rest of the body was read (the keep-alive connection stays usable)", async () => {
    const withAndWithoutLength: Record<string, string>[] = [{ "content-length": String(160 * 1024) }, {}];
    for (const headers of withAndWithoutLength) {
      const { stream, state } = counted(160 * 1024);
      const res = await post(stream, headers);
      expect(res.status).toBe(413);
      expect(((await res.json()) as { code: string }).code).toBe("PAYLOAD_TOO_LARGE");
      expect(state.pulled).toBe(160 * 1024);
      expect(res.headers.get("connection")).toBeNull();
    }
  });

  test("past the 1 MiB discard cap: 413 with Connection: close, without reading on", async () => {
    const streamed = counted(4 * 1024 * 1024);
    const res = await post(streamed.stream);
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    expect(streamed.state.pulled).toBeLessThan(2 * 1024 * 1024);
    // A declared length past the cap: the body is not even started (a started-then-abandoned body is what
    // breaks local wrangler dev's connection; an untouched one is fine).
    const declared = counted(4 * 1024 * 1024);
    const big = await post(declared.stream, { "content-length": String(4 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(big.headers.get("connection")).toBe("close");
    expect(declared.state.pulled).toBeLessThanOrEqual(64 * 1024);
  });
});

describe("PUT /devices/{id} losing a race with DELETE", () => {
  test("answers the normal DEVICE_NOT_FOUND with the caller's disponibles", async () => {
    // The update finds no row: the device was deleted between the lookup and the UPDATE.
    const db = interceptDb(env.DB, async (sql, method, proceed) => (/^\s*UPDATE devices/.test(sql) && method === "first" ? null : proceed()));
    const res = await requestWith({ DB: db }, "PUT", "/devices/principal", { body: { name: "x" } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      success: false,
      error: "Dispositivo 'principal' no encontrado.",
      disponibles: ["entrada", "principal"],
      code: "DEVICE_NOT_FOUND",
    });
  });
});
