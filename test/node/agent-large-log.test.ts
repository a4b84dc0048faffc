// A 120,000-record log through the agent: it asks the gateway for the time such a log takes (`extend`), and sends the
// answer, larger than one relay frame, in parts that join back into every record.
import { afterAll, expect, it } from "vitest";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAgentCli } from "../../agent/cli/run";
import type { RelayLink } from "../../agent/relay/link";
import { startSimulator } from "../../agent/zk/sim";
import { MAX_FRAME_BYTES, parseJoinedResponse } from "../../shared/relay";
import { startGatewayStub } from "./agent-gateway-stub";
import { simTarget } from "./agent-sim-helpers";

const TOKEN = "zkr_site_large_0123456789";
const dir = join(tmpdir(), `zk-relay-large-${process.pid}`);
afterAll(async () => rm(dir, { recursive: true, force: true }));

it("extends the deadline by the log's size and delivers 120,000 records in parts", { timeout: 120_000 }, async () => {
  const sim = await startSimulator({ profile: "tft", users: 50, records: 120_000, templates: 0 });
  const stub = await startGatewayStub({ token: TOKEN });
  let link: RelayLink | undefined;
  const done = runAgentCli(["--gateway", stub.url, "--token", TOKEN, "--log-format", "json"], {
    env: { ZK_RELAY_STATE_DIR: dir, ZK_RELAY_LIVE: "0" },
    write: () => {},
    handleSignals: false,
    onLink: (l) => (link = l),
  });
  try {
    const c = await stub.connection(0);
    await c.next((f) => f.type === "hello");
    const id = crypto.randomUUID();
    const deadline = Date.now() + 26_000; // the gateway's bulk budget at timeout 2 s
    c.send({ v: 1, type: "request", id, op: "attendance.list", device: simTarget(sim), args: {}, deadline });
    const extend = await c.next((f) => f.type === "extend" && f.id === id, 30_000);
    expect(extend.deadline as number).toBeGreaterThan(deadline);
    const first = await c.next((f) => f.type === "part" && f.id === id, 90_000);
    const count = first.count as number;
    await new Promise<void>((resolve, reject) => {
      const end = Date.now() + 60_000;
      const check = () => {
        if (c.frames.filter((f) => f.type === "part" && f.id === id).length >= count) return resolve();
        if (Date.now() > end) return reject(new Error("parts missing"));
        setTimeout(check, 50);
      };
      check();
    });
    const parts = c.frames.filter((f) => f.type === "part" && f.id === id).sort((a, b) => (a.index as number) - (b.index as number));
    for (const p of parts) expect(JSON.stringify(p).length).toBeLessThan(MAX_FRAME_BYTES);
    const response = parseJoinedResponse(parts.map((p) => p.data as string).join(""));
    expect(response?.ok).toBe(true);
    const records = (response as { result: { records: unknown[] } }).result.records;
    expect(records).toHaveLength(120_000);
    expect(c.frames.some((f) => f.type === "response" && f.id === id)).toBe(false);
  } finally {
    await link?.stop();
    await done;
    await stub.close();
    await sim.close();
  }
});
