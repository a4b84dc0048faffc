// What one relayed read costs the SiteRelay: an awaited answer to a non-durable request never touches its storage.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { afterEach, expect, test, vi } from "vitest";
import { callAgent } from "../../gateway/relay/call-agent";
import type { SiteRelay } from "../../gateway/relay/site-relay";
import { connectAgent, insertSite, relayOf, target, until, type ScriptedAgent } from "./relay-helpers";

const open: ScriptedAgent[] = [];
afterEach(() => {
  for (const a of open.splice(0)) {
    try {
      a.close(1000, "test done");
    } catch {
      // already closed
    }
  }
  vi.restoreAllMocks();
});

test("a non-durable answer someone waits for is resolved without a storage read; a late one is looked up", async () => {
  const site = await insertSite();
  const agent = await connectAgent(site);
  open.push(agent);
  const gets = await runInDurableObject(relayOf(site.id), async (_: SiteRelay, state) => vi.spyOn(state.storage, "get"));

  const call = callAgent(env, site.id, target(), "time.get", {});
  const [req] = await agent.requests(1);
  agent.answer(req.id, { time: "2024-05-05 05:05:05" });
  expect(await call).toEqual({ time: "2024-05-05 05:05:05" });
  expect(gets).not.toHaveBeenCalled();

  // Control: an answer nobody waits for any more (the caller timed out) may be a durable one: it is looked up.
  const late = relayOf(site.id).relay("time.get", target(), {}, Date.now() + 100);
  const [req2] = await agent.requests(1);
  expect(await late).toMatchObject({ ok: false, error: { code: "RELAY_TIMEOUT" } });
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  agent.answer(req2!.id, { time: "2024-05-05 05:05:06" });
  await until(() => gets.mock.calls.length > 0);
  expect(gets.mock.calls[0]![0]).toContain(req2!.id);
  warn.mockRestore();
});
