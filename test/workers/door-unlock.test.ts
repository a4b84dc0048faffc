// POST /devices/{id}/unlock: the route derived from the door.unlock declaration, relayed to a fake agent.
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { AgentFailure, createDevice, createKey, createSite, fakeAgent, json, type FakeAgent } from "./helpers";

let agent: FakeAgent;

beforeAll(async () => {
  const site = await createSite("norte");
  await createDevice({ id: "principal", site: site.id });
  agent = await fakeAgent(site);
});
afterAll(() => agent.close());
beforeEach(async () => {
  agent.requests.length = 0;
  for (const k of Object.keys(agent.handlers)) delete agent.handlers[k];
  await env.DB.prepare("DELETE FROM audit_log").run();
});

const auditRows = () =>
  env.DB.prepare("SELECT action, device_id, status, result, detail FROM audit_log ORDER BY id").all().then((r) => r.results);

describe("POST /devices/{id}/unlock", () => {
  test("200 with the declared message and data; the agent gets door.unlock {seconds}; one audit row", async () => {
    agent.handlers["door.unlock"] = (args) => ({ seconds: args.seconds });
    const r = await json("POST", "/devices/principal/unlock", { body: { seconds: 5 } });
    expect([r.status, r.body]).toEqual([200, { success: true, message: "Puerta abierta durante 5 segundos.", data: { seconds: 5 } }]);
    expect(agent.calls("door.unlock").map((f) => f.args)).toEqual([{ seconds: 5 }]);
    const en = await json("POST", "/devices/principal/unlock", { body: { seconds: 2 }, headers: { "accept-language": "en" } });
    expect(en.body.message).toBe("Door opened for 2 seconds.");
    expect(await auditRows()).toEqual([
      { action: "door.unlock", device_id: "principal", status: 200, result: "ok", detail: '{"seconds":5}' },
      { action: "door.unlock", device_id: "principal", status: 200, result: "ok", detail: '{"seconds":2}' },
    ]);
  });

  test("role write: a read key gets 403 and the agent is not asked", async () => {
    const reader = await createKey("read");
    const r = await json("POST", "/devices/principal/unlock", { key: reader.key, body: { seconds: 5 } });
    expect([r.status, r.body.code]).toEqual([403, "FORBIDDEN"]);
    expect(agent.calls("door.unlock")).toEqual([]);
  });

  test("seconds outside 1-60, extra fields, no body → 400 VALIDATION_FAILED before the agent is asked", async () => {
    for (const body of [{ seconds: 0 }, { seconds: 61 }, { seconds: 1.5 }, { seconds: "5" }, { seconds: 5, door: 2 }, undefined]) {
      const r = await json("POST", "/devices/principal/unlock", { body });
      expect([r.status, r.body.code], JSON.stringify(body)).toEqual([400, "VALIDATION_FAILED"]);
    }
    expect(agent.calls("door.unlock")).toEqual([]);
  });

  test("a terminal that refuses it: 500 DEVICE_REJECTED in our own words, audited as such", async () => {
    agent.handlers["door.unlock"] = () => {
      throw new AgentFailure("DEVICE_REJECTED", "Device rejected CMD_UNLOCK with CMD_ACK_ERROR");
    };
    const r = await json("POST", "/devices/principal/unlock", { body: { seconds: 5 } });
    expect([r.status, r.body]).toEqual([500, { success: false, error: "El dispositivo 'principal' rechazó la orden.", code: "DEVICE_REJECTED" }]);
    expect(await auditRows()).toEqual([{ action: "door.unlock", device_id: "principal", status: 500, result: "DEVICE_REJECTED", detail: '{"seconds":5}' }]);
  });

  test("an agent older than the op: 502 AGENT_OUTDATED", async () => {
    // What agents before AGENT_OUTDATED answered for an op they did not know.
    agent.handlers["door.unlock"] = () => {
      throw new AgentFailure("BAD_REQUEST", "unknown op 'door.unlock'");
    };
    const r = await json("POST", "/devices/principal/unlock", { body: { seconds: 5 } });
    expect([r.status, r.body.code]).toEqual([502, "AGENT_OUTDATED"]);
  });
});
