// What an agent may say: allow-listed error codes pass, anything else is INTERNAL; one notion of "unreachable".
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { AgentFailure, createDevice, createSite, fakeAgent, json, type FakeAgent } from "./helpers";

let agent: FakeAgent;

beforeAll(async () => {
  const site = await createSite("norte");
  await createDevice({ id: "principal", site: site.id });
  await createDevice({ id: "entrada", site: site.id });
  agent = await fakeAgent(site);
});
afterAll(() => agent.close());
beforeEach(() => {
  agent.requests.length = 0;
  for (const k of Object.keys(agent.handlers)) delete agent.handlers[k];
  vi.restoreAllMocks();
});

const failWith = (code: string, text: string) => () => {
  throw new AgentFailure(code, text);
};

describe("agent error codes", () => {
  test("codes agents may not send (ours, or unknown) become a generic 500 INTERNAL, logged with the agent's code", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    for (const code of ["UNAUTHORIZED", "SITE_NOT_FOUND", "IDEMPOTENCY_CONFLICT", "FORBIDDEN", "DEVICE_NOT_FOUND", "NO_SUCH_CODE"]) {
      agent.handlers["users.list"] = failWith(code, `agent says ${code}`);
      const r = await json("GET", "/devices/principal/users");
      expect([r.status, r.body], code).toEqual([500, { success: false, error: "Error interno.", code: "INTERNAL" }]);
      expect(error.mock.calls.map((c) => String(c[0])).join("\n")).toContain(`agent answered with code "${code}"`);
    }
  });

  test("allow-listed device codes keep the agent's text and their status", async () => {
    for (const [code, status] of [
      ["DEVICE_REJECTED", 500],
      ["DEVICE_FULL", 500],
      ["DEVICE_AUTH_FAILED", 500],
      ["DEVICE_DISCONNECTED", 500],
      ["PROTOCOL_ERROR", 500],
    ] as const) {
      agent.handlers["users.list"] = failWith(code, `terminal says ${code}`);
      const r = await json("GET", "/devices/principal/users");
      expect([r.status, r.body], code).toEqual([status, { success: false, error: `terminal says ${code}`, code }]);
    }
  });

  test("the agent's BAD_REQUEST and PAYLOAD_TOO_LARGE keep their contract status (400, 413), not 500", async () => {
    agent.handlers["users.list"] = failWith("BAD_REQUEST", "request frame refused");
    const bad = await json("GET", "/devices/principal/users");
    expect([bad.status, bad.body]).toEqual([400, { success: false, error: "request frame refused", code: "BAD_REQUEST" }]);
    agent.handlers["users.list"] = failWith("PAYLOAD_TOO_LARGE", "result of 9000000 bytes exceeds the relay frame limit of 8388608");
    const big = await json("GET", "/devices/principal/users");
    expect(big.status).toBe(413);
    expect(big.body).toEqual({ success: false, error: "result of 9000000 bytes exceeds the relay frame limit of 8388608", code: "PAYLOAD_TOO_LARGE" });
  });

  test("an agent that does not know the op is AGENT_OUTDATED (501): today's answer, and an older agent's BAD_REQUEST", async () => {
    for (const code of ["AGENT_OUTDATED", "BAD_REQUEST"]) {
      agent.handlers["users.list"] = failWith(code, "unknown op 'users.list'");
      const es = await json("GET", "/devices/principal/users");
      expect([es.status, es.body], code).toEqual([
        501,
        { success: false, error: "El agente del sitio 'norte' es anterior a esta operación; actualícelo.", code: "AGENT_OUTDATED" },
      ]);
      const en = await json("GET", "/devices/principal/users", { headers: { "Accept-Language": "en" } });
      expect(en.body.error, code).toBe("The agent of site 'norte' is older than this operation; update it.");
    }
  });

  test("the agent's VALIDATION_FAILED (args its firmware refuses) stays a 400 with the agent's text", async () => {
    agent.handlers["users.create"] = failWith("VALIDATION_FAILED", "user_id must be numeric on 28-byte firmware");
    const r = await json("POST", "/devices/principal/users", { body: { user_id: "A12" } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ success: false, error: "user_id must be numeric on 28-byte firmware", code: "VALIDATION_FAILED" });
  });
});

describe("unreachable means the same everywhere", () => {
  test("ping: DEVICE_TIMEOUT is unreachable (503, reachable false); DEVICE_AUTH_FAILED is a device error (500)", async () => {
    agent.handlers["device.ping"] = failWith("DEVICE_TIMEOUT", "No answer from 127.0.0.1:4370");
    const timeout = await json("GET", "/devices/principal/ping");
    expect([timeout.status, timeout.body.data]).toEqual([503, { reachable: false }]);
    agent.handlers["device.ping"] = failWith("DEVICE_AUTH_FAILED", "The device refused the comm key");
    const auth = await json("GET", "/devices/principal/ping");
    expect([auth.status, auth.body]).toEqual([500, { success: false, error: "The device refused the comm key", code: "DEVICE_AUTH_FAILED" }]);
  });

  test("offboarding: DEVICE_TIMEOUT is unreachable, DEVICE_AUTH_FAILED is error", async () => {
    agent.handlers["users.delete"] = (_args, req) => {
      if (req.device.id === "principal") throw new AgentFailure("DEVICE_TIMEOUT", "No answer from 127.0.0.1:4370");
      throw new AgentFailure("DEVICE_AUTH_FAILED", "The device refused the comm key");
    };
    const r = await json("DELETE", "/users/5");
    expect(r.body.data.results).toEqual([
      { device: "entrada", status: "error", error: "The device refused the comm key" },
      { device: "principal", status: "unreachable", error: "No answer from 127.0.0.1:4370" },
    ]);
  });
});
