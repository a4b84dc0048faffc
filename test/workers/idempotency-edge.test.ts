// Idempotency-Key edge cases: bookkeeping failures, answers that are not final, and the replay's language.
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { AgentFailure, createDevice, createSite, deletedUser, fakeAgent, json, type FakeAgent } from "./helpers";
import { failing, interceptDb, requestWith } from "./intercept";

let agent: FakeAgent;

beforeAll(async () => {
  const site = await createSite("norte");
  await createDevice({ id: "principal", site: site.id });
  await createDevice({ id: "bodega", site: site.id });
  agent = await fakeAgent(site);
});
afterAll(() => agent.close());
beforeEach(async () => {
  agent.requests.length = 0;
  for (const k of Object.keys(agent.handlers)) delete agent.handlers[k];
  agent.handlers["users.delete"] = (args) => deletedUser(args.user_id);
  await env.DB.batch(["audit_log", "idempotency", "user_snapshots"].map((t) => env.DB.prepare(`DELETE FROM ${t}`)));
  vi.restoreAllMocks();
});

const idem = (key: string, extra: Record<string, string> = {}) => ({ headers: { "idempotency-key": key, ...extra } });

describe("storing the final answer fails", () => {
  test("the completed change still gets its real answer (logged), not a 500", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const db = interceptDb(env.DB, failing(/UPDATE idempotency SET state = 'done'/));
    const res = await requestWith({ DB: db }, "DELETE", "/devices/principal/users/123", idem("store-fails"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, message: "Usuario '123' eliminado." });
    expect(error.mock.calls.map((c) => String(c[0])).join("\n")).toContain("idempotency: could not store the answer");
    // The claim stays pending: a quick retry is refused rather than deleting (and snapshotting) again.
    const retry = await json("DELETE", "/devices/principal/users/123", idem("store-fails"));
    expect(retry.status).toBe(409);
    expect(agent.calls("users.delete")).toHaveLength(1);
  });
});

describe("offboarding under an Idempotency-Key", () => {
  test("an answer with a retryable device result is not stored: the retry really retries", async () => {
    let bodegaUp = false;
    agent.handlers["users.delete"] = (args, req) => {
      if (req.device.id === "bodega" && !bodegaUp) throw new AgentFailure("DEVICE_UNREACHABLE", "Connection timeout to device 127.0.0.1:4370");
      if (req.device.id === "principal" && agent.calls("users.delete").filter((f) => f.device.id === "principal").length > 1) {
        throw new AgentFailure("USER_NOT_FOUND", "already gone");
      }
      return deletedUser(args.user_id);
    };
    const first = await json("DELETE", "/users/123", idem("offboard-1"));
    // A device not final: success false, 207, the per-device list in data as a success would have it.
    expect(first.status).toBe(207);
    expect(first.body).toMatchObject({ success: false, code: "OFFBOARDING_INCOMPLETE" });
    expect(first.body.data.results).toEqual([
      { device: "bodega", status: "unreachable", error: "Connection timeout to device 127.0.0.1:4370" },
      { device: "principal", status: "deleted" },
    ]);
    bodegaUp = true;
    const retry = await json("DELETE", "/users/123", idem("offboard-1"));
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(retry.status).toBe(200);
    expect(retry.body.success).toBe(true);
    expect(retry.body.data.offboarding_id).not.toBe(first.body.data.offboarding_id);
    expect(retry.body.data.results).toEqual([
      { device: "bodega", status: "deleted" },
      { device: "principal", status: "not_found" },
    ]);
    // Now every result is final: the answer is stored and replays.
    const again = await json("DELETE", "/users/123", idem("offboard-1"));
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.text).toBe(retry.text);
    expect(agent.calls("users.delete")).toHaveLength(4);
  });
});

describe("replayed answers", () => {
  test("keep the Content-Language of the stored body, whatever the retry asks for", async () => {
    const first = await json("DELETE", "/devices/principal/users/321", idem("lang"));
    expect(first.headers.get("content-language")).toBe("es");
    const retry = await json("DELETE", "/devices/principal/users/321", idem("lang", { "accept-language": "en" }));
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body.message).toBe("Usuario '321' eliminado.");
    expect(retry.headers.get("content-language")).toBe("es");
  });
});
