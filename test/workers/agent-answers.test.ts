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
    for (const code of ["UNAUTHORIZED", "SITE_NOT_FOUND", "IDEMPOTENCY_CONFLICT", "FORBIDDEN", "NO_SUCH_CODE"]) {
      agent.handlers["users.list"] = failWith(code, `agent says ${code}`);
      const r = await json("GET", "/devices/principal/users");
      expect([r.status, r.body], code).toEqual([500, { success: false, error: "Error interno.", code: "INTERNAL" }]);
      expect(error.mock.calls.map((c) => String(c[0])).join("\n")).toContain(`agent answered with code "${code}"`);
    }
  });

  test("an answer over the frame cap is 502 RESULT_TOO_LARGE; an older agent's BAD_REQUEST (unknown op) is 502 AGENT_OUTDATED", async () => {
    for (const [agentCode, code] of [
      ["PAYLOAD_TOO_LARGE", "RESULT_TOO_LARGE"],
      ["RESULT_TOO_LARGE", "RESULT_TOO_LARGE"],
      ["BAD_REQUEST", "AGENT_OUTDATED"],
    ] as const) {
      agent.handlers["users.list"] = failWith(agentCode, `agent says ${agentCode}`);
      const r = await json("GET", "/devices/principal/users", { headers: { "Accept-Language": "en" } });
      expect([r.status, r.body.code], agentCode).toEqual([502, code]);
      expect(r.body.error).not.toContain("agent says");
    }
  });

  test("AGENT_OUTDATED (today's agents) and an older agent's BAD_REQUEST both answer the contract's localized text", async () => {
    for (const code of ["AGENT_OUTDATED", "BAD_REQUEST"]) {
      agent.handlers["users.list"] = failWith(code, "unknown op 'users.list'");
      const es = await json("GET", "/devices/principal/users");
      expect([es.status, es.body], code).toEqual([
        502,
        { success: false, error: "El agente del sitio 'norte' no conoce esta operación; actualícelo.", code: "AGENT_OUTDATED" },
      ]);
      const en = await json("GET", "/devices/principal/users", { headers: { "Accept-Language": "en" } });
      expect(en.body.error, code).toBe("The agent of site 'norte' does not know this operation; upgrade it.");
    }
  });

  test("allow-listed device codes get our own text by code (never the agent's) and keep their status", async () => {
    for (const [code, status] of [
      ["DEVICE_REJECTED", 500],
      ["DEVICE_FULL", 500],
      ["DEVICE_AUTH_FAILED", 500],
      ["DEVICE_DISCONNECTED", 500],
      ["PROTOCOL_ERROR", 500],
    ] as const) {
      agent.handlers["users.list"] = failWith(code, `terminal says ${code}`);
      const r = await json("GET", "/devices/principal/users");
      expect([r.status, r.body.code], code).toEqual([status, code]);
      expect(r.body.error, code).toMatch(/^El dispositivo 'principal' /);
    }
    // DEVICE_UNREACHABLE: the seed's words, built from the registry's address whatever the agent said.
    agent.handlers["users.list"] = failWith("DEVICE_UNREACHABLE", "anything an agent says");
    const r = await json("GET", "/devices/principal/users");
    expect([r.status, r.body]).toEqual([500, { success: false, error: "Connection timeout to device 127.0.0.1:4370", code: "DEVICE_UNREACHABLE" }]);
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
    expect([auth.status, auth.body]).toEqual([500, { success: false, error: "El dispositivo 'principal' rechazó la clave de comunicación.", code: "DEVICE_AUTH_FAILED" }]);
  });

  test("offboarding: DEVICE_TIMEOUT is unreachable, DEVICE_AUTH_FAILED is error", async () => {
    agent.handlers["users.delete"] = (_args, req) => {
      if (req.device.id === "principal") throw new AgentFailure("DEVICE_TIMEOUT", "No answer from 127.0.0.1:4370");
      throw new AgentFailure("DEVICE_AUTH_FAILED", "The device refused the comm key");
    };
    const r = await json("DELETE", "/users/5");
    expect(r.body.data.results).toEqual([
      { device: "entrada", status: "error", error: "El dispositivo 'entrada' rechazó la clave de comunicación." },
      { device: "principal", status: "unreachable", error: "El dispositivo 'principal' dejó de responder a mitad de un comando." },
    ]);
  });
});
