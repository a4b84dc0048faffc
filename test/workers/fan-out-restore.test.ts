// Bounded fan-out for /attendance/all and offboarding; restore claims its snapshot before the agent is asked.
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { FAN_OUT_LIMIT, mapSettled } from "../../gateway/fan-out";
import { AgentFailure, createDevice, createSite, deletedUser, fakeAgent, json, waitFor, type FakeAgent } from "./helpers";
import { failing, interceptDb, requestWith } from "./intercept";

let agent: FakeAgent;
const DEVICES = Array.from({ length: FAN_OUT_LIMIT + 2 }, (_, i) => `d${i}`);

beforeAll(async () => {
  const site = await createSite("norte");
  for (const id of DEVICES) await createDevice({ id, site: site.id });
  agent = await fakeAgent(site);
});
afterAll(() => agent.close());
beforeEach(async () => {
  agent.requests.length = 0;
  for (const k of Object.keys(agent.handlers)) delete agent.handlers[k];
  await env.DB.prepare("DELETE FROM user_snapshots").run();
  vi.restoreAllMocks();
});

/** A handler that holds every call until `open()`, counting how many are held at once. */
function gate<T>(answer: (args: any) => T) {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const state = { held: 0, most: 0 };
  const handler = async (args: unknown) => {
    state.held += 1;
    state.most = Math.max(state.most, state.held);
    await opened;
    state.held -= 1;
    return answer(args);
  };
  return { handler, open, state };
}

describe("fan-out is bounded", () => {
  test(`mapSettled runs at most ${FAN_OUT_LIMIT} at a time, keeps order, and a failure is only its own`, async () => {
    let running = 0;
    let most = 0;
    const out = await mapSettled(Array.from({ length: 20 }, (_, i) => i), async (i) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 1));
      running -= 1;
      if (i === 3) throw new Error("three");
      return i * 2;
    });
    expect(most).toBe(FAN_OUT_LIMIT);
    expect(out[3]).toMatchObject({ status: "rejected" });
    expect(out.filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual(
      Array.from({ length: 20 }, (_, i) => i * 2).filter((_, i) => i !== 3),
    );
    expect(await mapSettled([], async () => 1)).toEqual([]);
  });

  for (const [name, method, path, op, answer] of [
    ["/attendance/all", "GET", "/attendance/all", "attendance.list", () => ({ records: [] })],
    ["offboarding", "DELETE", "/users/123", "users.delete", (args: { user_id: string }) => deletedUser(args.user_id)],
  ] as const) {
    test(`${name}: never more than ${FAN_OUT_LIMIT} devices in flight; all answered`, async () => {
      const g = gate(answer as (args: any) => unknown);
      agent.handlers[op] = g.handler;
      const call = json(method, path);
      await waitFor(async () => agent.calls(op).length >= FAN_OUT_LIMIT);
      // Give a would-be 7th request time to arrive before looking.
      await new Promise((r) => setTimeout(r, 50));
      expect(agent.calls(op)).toHaveLength(FAN_OUT_LIMIT);
      g.open();
      const r = await call;
      expect(r.status).toBe(200);
      expect(agent.calls(op)).toHaveLength(DEVICES.length);
      expect(g.state.most).toBe(FAN_OUT_LIMIT);
    });
  }
});

describe("restore claims its snapshot", () => {
  async function deleteUser(userId: string) {
    agent.handlers["users.delete"] = (args) => deletedUser(args.user_id);
    expect((await json("DELETE", `/devices/d0/users/${userId}`)).status).toBe(200);
  }

  test("two concurrent restores: only one reaches the agent, the other gets 409 RESTORE_IN_PROGRESS", async () => {
    await deleteUser("7");
    const g = gate((args: { snapshot: { user: unknown; templates: unknown[] } }) => ({ user: args.snapshot.user, fingers: args.snapshot.templates.length }));
    agent.handlers["users.restore"] = g.handler;
    const first = json("POST", "/devices/d0/users/7/restore");
    await waitFor(async () => agent.calls("users.restore").length === 1);
    const second = await json("POST", "/devices/d0/users/7/restore");
    expect(second.status).toBe(409);
    expect(second.body).toEqual({ success: false, error: "Ya hay una restauración en curso del usuario '7'.", code: "RESTORE_IN_PROGRESS" });
    // RESTORE_IN_PROGRESS is retryable in the error contract: under an Idempotency-Key it is not kept for replay.
    const keyed = await json("POST", "/devices/d0/users/7/restore", { headers: { "idempotency-key": "restore-7" } });
    expect([keyed.status, keyed.body.code]).toEqual([409, "RESTORE_IN_PROGRESS"]);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM idempotency WHERE idem_key = 'restore-7'").first<{ n: number }>();
    expect(stored?.n).toBe(0);
    // While it runs, the listing shows the snapshot as not restored yet (never the claim marker).
    expect((await json("GET", "/devices/d0/deleted-users")).body.data[0].restored_at).toBeNull();
    g.open();
    expect((await first).status).toBe(200);
    expect(agent.calls("users.restore")).toHaveLength(1);
    expect((await json("GET", "/devices/d0/deleted-users")).body.data[0].restored_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  test("a failed restore gives the claim back: the next attempt reaches the agent", async () => {
    await deleteUser("8");
    agent.handlers["users.restore"] = () => {
      throw new AgentFailure("DEVICE_UNREACHABLE", "Connection timeout to device 127.0.0.1:4370");
    };
    expect((await json("POST", "/devices/d0/users/8/restore")).status).toBe(500);
    const row = await env.DB.prepare("SELECT restored_at FROM user_snapshots WHERE user_id = '8'").first<{ restored_at: string | null }>();
    expect(row?.restored_at).toBeNull();
    agent.handlers["users.restore"] = (args) => ({ user: args.snapshot.user, fingers: 0 });
    expect((await json("POST", "/devices/d0/users/8/restore")).status).toBe(200);
    expect(agent.calls("users.restore")).toHaveLength(2);
  });

  test("if marking it restored fails after the agent succeeded, the answer is still success (logged)", async () => {
    await deleteUser("9");
    agent.handlers["users.restore"] = (args) => ({ user: args.snapshot.user, fingers: 2 });
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const db = interceptDb(env.DB, failing(/UPDATE user_snapshots SET restored_at = \? WHERE id = \? AND restored_at = \?/));
    const res = await requestWith({ DB: db }, "POST", "/devices/d0/users/9/restore");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, message: "Usuario '9' restaurado.", data: { fingers: 2 } });
    expect(error.mock.calls.map((c) => String(c[0])).join("\n")).toContain("user_id 9 restored but snapshot");
    // The row is not offered for a second restore.
    expect((await json("POST", "/devices/d0/users/9/restore")).status).toBe(409);
  });
});
