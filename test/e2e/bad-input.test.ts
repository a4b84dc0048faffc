// A bounded fast-check sweep of the HTTP API with hostile input: every answer keeps the seed's envelope, never an undocumented 5xx.
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { ApiAnswer, ApiClient } from "../../scripts/lib/api-client";
import { documentedRoutes, undocumentedStatus } from "./harness/documented";
import { envelopeProblem } from "./harness/envelope";
import { startSystem, type System } from "./harness/system";

let sys: System;
let writer: ApiClient;
let reader: ApiClient;

beforeAll(async () => {
  sys = await startSystem({
    site: "barrido",
    terminals: { sweep: { transport: "tcp", sim: { profile: "tft", users: 8, records: 20, templates: 4 } } },
  });
  writer = sys.api.withKey((await sys.api.post("/admin/keys", { name: "w", role: "write" })).body.data.key);
  reader = sys.api.withKey((await sys.api.post("/admin/keys", { name: "r", role: "read", sites: ["barrido"] })).body.data.key);
}, 60_000);

afterAll(async () => {
  await sys?.close();
});

// ---- generators ----

const nasty = fc.constantFrom(
  "",
  "%",
  "%zz",
  "%00",
  "%2e%2e",
  "..",
  "%2F",
  "ñandú",
  "%F0%9F%92%A5",
  "a".repeat(300),
  "sweep",
  "bodega",
  "123",
  "-1",
  "1e309",
  "null",
  "__proto__",
  "constructor",
  "<script>",
  "'; DROP TABLE devices;--",
);
const segment = fc.oneof(
  { weight: 2, arbitrary: nasty },
  // The real device, so random input also reaches the routes that call the agent.
  { weight: 2, arbitrary: fc.constant("sweep") },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }).map(encodeURIComponent) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9_-]{1,10}$/) },
);

const path = fc.oneof(
  fc.tuple(
    fc.constantFrom(
      "/",
      "/devices",
      "/devices/:id",
      "/devices/:id/users",
      "/devices/:id/users/:id",
      "/devices/:id/users/:id/restore",
      "/devices/:id/users/:id/fingers",
      "/devices/:id/users/:id/enroll-finger",
      "/devices/:id/attendance",
      "/devices/:id/time",
      "/devices/:id/sync-time",
      "/devices/:id/ping",
      "/devices/:id/info",
      "/devices/:id/deleted-users",
      "/users/:id",
      "/attendance/all",
      "/audit",
      "/admin/sites",
      "/admin/sites/:id",
      "/admin/keys/:id",
      "/openapi.json",
      "/docs",
      "/agent/connect",
      "/:id/:id/:id",
    ),
    fc.array(segment, { minLength: 5, maxLength: 5 }),
  ).map(([template, segs]) => {
    let i = 0;
    return template.replace(/:id/g, () => segs[i++]!);
  }),
  fc.array(segment, { maxLength: 6 }).map((segs) => "/" + segs.join("/")),
);

const query = fc.oneof(
  fc.constant(""),
  fc
    .array(fc.tuple(fc.constantFrom("user_id", "date", "from", "to", "devices", "limit", "cursor", "since", "x"), segment), { maxLength: 4 })
    .map((pairs) => "?" + pairs.map(([k, v]) => `${k}=${v}`).join("&")),
);

const jsonish = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.record({
    id: fc.oneof(segment, fc.integer(), fc.constant(null)),
    user_id: fc.oneof(segment, fc.integer(), fc.constant("")),
    name: fc.oneof(fc.string({ maxLength: 40 }), fc.integer()),
    ip: fc.oneof(fc.constantFrom("127.0.0.1", "::1", "not an ip", "", "127.0.0.1; rm -rf /"), fc.string({ maxLength: 10 })),
    port: fc.oneof(fc.integer({ min: -10, max: 70000 }), fc.string({ maxLength: 5 })),
    password: fc.oneof(fc.integer({ min: -1, max: 2 ** 40 }), fc.string({ maxLength: 5 })),
    privilege: fc.oneof(fc.integer({ min: -5, max: 300 }), fc.constant(null)),
    finger: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double()),
    role: fc.constantFrom("read", "write", "admin", "root", ""),
    snapshot_id: fc.oneof(fc.integer(), fc.string({ maxLength: 4 })),
  }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
);

const body = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: jsonish },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom("{", "[1,2", '{"a":', "\u0000", "{}".padEnd(70 * 1024, " "), JSON.stringify({ name: "x".repeat(66 * 1024) })) },
);

type Auth = "none" | "garbage" | "basic" | "reader" | "writer" | "admin";
const auth = fc.constantFrom<Auth>("none", "garbage", "basic", "reader", "writer", "writer", "writer", "admin", "admin");

const request = fc.record({
  // Standard methods only: workerd itself answers an unknown method with a plain-text 501 before any Worker runs.
  method: fc.constantFrom("GET", "GET", "POST", "POST", "PUT", "DELETE", "DELETE", "PATCH", "HEAD", "OPTIONS"),
  path,
  query,
  body,
  auth,
  contentType: fc.constantFrom("application/json", "application/json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8", undefined),
  idempotencyKey: fc.option(fc.oneof(fc.string({ maxLength: 20 }).filter((s) => /^[\x20-\x7e]*$/.test(s)), fc.constant("k".repeat(300))), { nil: undefined }),
  lang: fc.constantFrom(undefined, "en", "es-AR", "*", "xx;q=0.1"),
});

type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

function send(r: Req): Promise<ApiAnswer> {
  // The admin key only reads: a random DELETE /admin/sites/barrido would take the test's own site away.
  const role = r.auth === "admin" && r.method !== "GET" && r.method !== "HEAD" ? "writer" : r.auth;
  const anonymous = sys.api.withKey(undefined);
  const clients: Record<Auth, ApiClient> = { none: anonymous, garbage: anonymous, basic: anonymous, reader, writer, admin: sys.api };
  const client = clients[role];
  const headers: Record<string, string> = {};
  if (role === "garbage") headers.authorization = "Bearer zkr_key_" + "x".repeat(40);
  if (role === "basic") headers.authorization = "Basic dXNlcjpwYXNz";
  if (r.contentType && r.body !== undefined) headers["content-type"] = r.contentType;
  if (r.idempotencyKey !== undefined) headers["idempotency-key"] = r.idempotencyKey;
  if (r.lang) headers["accept-language"] = r.lang;
  const bodyAllowed = r.method !== "GET" && r.method !== "HEAD";
  const rawBody = bodyAllowed ? r.body : undefined;
  return client.request(r.method, r.path + r.query, {
    rawBody,
    headers,
    timeoutMs: 15_000,
    freshConnection: rawBody !== undefined && rawBody.length > 60 * 1024,
  });
}

test("~300 hostile requests: documented statuses only, the seed's envelope every time, the system fine afterwards", async () => {
  const statuses = new Map<number, number>();
  // What the running gateway documents about itself: every answer's status must be listed for its route.
  const routes = documentedRoutes((await sys.api.get("/openapi.json")).body);
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const answer = await send(r);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      // The OpenAPI document and the docs page are the two answers outside the envelope (docs/http-api.md §2).
      const document = answer.status === 200 && (r.path === "/openapi.json" || r.path === "/docs");
      const problem = document ? undefined : envelopeProblem(answer, r.method);
      if (problem) throw new Error(`${r.method} ${r.path}${r.query} → ${problem}`);
      // The path as the gateway receives it: fetch resolves dot segments ("..", "%2e%2e") as URLs do.
      const sent = new URL(`http://gateway${r.path}`).pathname;
      const undocumented = undocumentedStatus(routes, r.method, sent, answer.status);
      if (undocumented) throw new Error(`${r.method} ${r.path}${r.query} → ${undocumented}`);
      if (routes.some((rt) => rt.pattern.test(sent) && rt.methods[r.method])) checked++;
      if (!(r.method === "GET" && r.path === "/agent/connect") && answer.status >= 500) {
        // The only 5xx a sweep may meet are device/agent answers on device routes.
        if (!r.path.startsWith("/devices/") && !r.path.startsWith("/users/") && !r.path.startsWith("/attendance")) {
          throw new Error(`${r.method} ${r.path} → ${answer.status} on a route that never talks to a device`);
        }
      }
    }),
    { numRuns: 300, seed: 20_261_127, endOnFailure: true },
  );
  console.log(`bad-input sweep statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
  // The sweep really hit error paths and auth checks, not just one status.
  expect(statuses.get(401) ?? 0).toBeGreaterThan(10);
  expect(statuses.get(404) ?? 0).toBeGreaterThan(10);
  expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThanOrEqual(4);
  // Many requests hit a documented route and method (51 with this seed), so the status check really ran.
  expect(checked).toBeGreaterThan(40);

  const root = await sys.api.get("/");
  expect(root.status).toBe(200);
  expect(root.body.data).toMatchObject({ service: "zk-relay", status: "ok" });
  const users = await sys.api.get("/devices/sweep/users");
  expect(users.status).toBe(200);
  expect(sys.sims.sweep!.state.enabled).toBe(true);
  const sites = await sys.api.get("/admin/sites");
  expect(sites.body.data.find((s: { id: string }) => s.id === "barrido")?.agent?.connected).toBe(true);
}, 120_000);

test("oversized and malformed bodies get 413/415/400 in the envelope", async () => {
  const big = await writer.request("POST", "/devices/sweep/users", {
    rawBody: JSON.stringify({ user_id: "9", name: "x".repeat(70 * 1024) }),
    headers: { "content-type": "application/json" },
    freshConnection: true,
  });
  expect(big.status).toBe(413);
  expect(big.body).toMatchObject({ success: false, code: "PAYLOAD_TOO_LARGE" });
  const text = await writer.request("POST", "/devices/sweep/users", { rawBody: "user_id=9", headers: { "content-type": "text/plain" } });
  expect(text.status).toBe(415);
  expect(text.body.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  const broken = await writer.request("POST", "/devices/sweep/users", { rawBody: '{"user_id":', headers: { "content-type": "application/json" } });
  expect(broken.status).toBe(400);
  expect(broken.body.code).toBe("BAD_REQUEST");
  const invalid = await writer.post("/devices/sweep/users", { user_id: "", privilege: "boss" });
  expect(invalid.status).toBe(400);
  expect(invalid.body.code).toBe("VALIDATION_FAILED");
  expect(Array.isArray(invalid.body.details)).toBe(true);
  for (const a of [big, text, broken, invalid]) expect(envelopeProblem(a, "POST")).toBeUndefined();
});
