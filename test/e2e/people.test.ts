// End to end (HTTP → workerd → WebSocket → agent processes → simulators): where a person is, scoped offboarding with undo, a queued site applied on reconnect, copy across formats, terminal actions.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CMD } from "../../agent/zk/codec";
import type { Simulator } from "../../agent/zk/sim";
import { waitFor } from "../../scripts/lib/api-client";
import { startTerminal } from "../../scripts/lib/terminals";
import { spawnAgent, type AgentProcess } from "./harness/agent";
import { startSystem, type System } from "./harness/system";

let sys: System;
let principal: Simulator;
let entrada: Simulator;
let remota: Simulator;
let surToken: string;
let surAgent: AgentProcess | undefined;

const holds = (sim: Simulator, userId: string) => sim.state.users().some((u) => u.userId === userId);
const fingersOf = (sim: Simulator, userId: string) => {
  const uid = sim.state.users().find((u) => u.userId === userId)?.uid;
  return sim.state
    .templates()
    .filter((t) => t.uid === uid)
    .map((t) => [t.finger, Buffer.from(t.template).toString("hex")])
    .sort();
};

beforeAll(async () => {
  sys = await startSystem({
    site: "norte",
    terminals: {
      principal: { transport: "tcp", sim: { profile: "tft", users: 5, records: 20, templates: 5, rebootMs: 800, people: [{ userId: "4000", name: "Ana", fingers: [0, 1], days: 2 }] } },
      entrada: { transport: "udp", sim: { profile: "zk6", users: 4, records: 10, templates: 4, seed: 3, people: [] } },
    },
  });
  ({ principal, entrada } = sys.sims as Record<string, Simulator>);
  // A second site whose agent is not running yet, with an unrelated person under the same badge number.
  const site = await sys.api.post("/admin/sites", { id: "sur", name: "Sur" });
  expect(site.status).toBe(201);
  surToken = site.body.data.token;
  remota = await startTerminal({ profile: "tft", users: 3, records: 5, templates: 3, seed: 9, people: [{ userId: "4000", name: "Otra Persona", fingers: [2], days: 1 }] });
  const dev = await sys.api.post("/devices", { id: "remota", ip: "127.0.0.1", port: remota.port, transport: "tcp", timeout: 2, site: "sur" });
  expect(dev.status).toBe(201);
}, 90_000);

afterAll(async () => {
  await surAgent?.stop();
  await remota?.close();
  await sys?.close();
});

describe("people across terminals, against real terminals", () => {
  test("GET /users/{id}: found with its fingers; the offline site is listed, not hidden", async () => {
    const r = await sys.api.get("/users/4000");
    expect(r.status).toBe(200);
    expect(r.body.data.devices).toEqual([expect.objectContaining({ device: "principal", site: "norte", user_id: "4000", name: "Ana", fingers: 2, enabled: true })]);
    expect(r.body.data.unreachable).toEqual([expect.objectContaining({ device: "remota", site: "sur", status: "agent_offline" })]);
    expect(r.body.data.complete).toBe(false);
  });

  test("offboarding needs an explicit scope; the other site's user 4000 is never touched; undo puts Ana back with her fingers", async () => {
    const fingers = fingersOf(principal, "4000");
    expect(fingers).toHaveLength(2);
    const unscoped = await sys.api.del("/users/4000");
    expect(unscoped.status).toBe(400);
    expect(unscoped.body.sites).toEqual(["norte", "sur"]);
    expect(holds(principal, "4000")).toBe(true);

    const r = await sys.api.del("/users/4000?sites=norte");
    expect(r.status).toBe(200);
    expect(r.body.success).toBe(true);
    expect(r.body.data.results).toEqual([
      { device: "entrada", status: "not_found" },
      { device: "principal", status: "deleted" },
    ]);
    expect(holds(principal, "4000")).toBe(false);
    expect(holds(remota, "4000")).toBe(true);

    const undo = await sys.api.post(`/offboardings/${r.body.data.offboarding_id}/undo`);
    expect(undo.status).toBe(200);
    expect(undo.body.data.results).toEqual([
      { device: "entrada", status: "nothing_to_restore" },
      { device: "principal", status: "restored" },
    ]);
    expect(fingersOf(principal, "4000")).toEqual(fingers);
    expect(principal.state.enabled).toBe(true);
  });

  test("copy from the 72-byte terminal to the 28-byte one: record converted, fingerprints identical, read back", async () => {
    const r = await sys.api.post("/users/4000/copy", { from: "principal", to: ["entrada"] });
    expect(r.status).toBe(200);
    expect(r.body.data.results).toEqual([{ device: "entrada", status: "copied", format: 28, converted: true, fingers: 2 }]);
    expect(entrada.state.users().find((u) => u.userId === "4000")).toMatchObject({ format: 28, name: "Ana" });
    expect(fingersOf(entrada, "4000")).toEqual(fingersOf(principal, "4000"));
  });

  test("disable and enable a user: privilege bit 0 on the terminal, nothing deleted", async () => {
    const off = await sys.api.put("/devices/entrada/users/4000/enabled", { enabled: false });
    expect(off.status).toBe(200);
    expect(entrada.state.users().find((u) => u.userId === "4000")!.privilege & 1).toBe(1);
    expect((await sys.api.get("/devices/entrada/users/4000")).body.data).toMatchObject({ enabled: false, fingers: 2 });
    await sys.api.put("/devices/entrada/users/4000/enabled", { enabled: true });
    expect(entrada.state.users().find((u) => u.userId === "4000")!.privilege & 1).toBe(0);
  });

  test("queue=true: the offline site's delete waits and is applied when its agent connects", async () => {
    const r = await sys.api.del("/users/4000?sites=norte,sur&queue=true");
    expect(r.status).toBe(207);
    expect(r.body.code).toBe("OFFBOARDING_INCOMPLETE");
    expect(r.body.data.results.find((d: { device: string }) => d.device === "remota")).toEqual({ device: "remota", status: "queued" });
    expect(holds(remota, "4000")).toBe(true);
    const id = r.body.data.offboarding_id;

    surAgent = spawnAgent(sys.gateway.agentUrl, surToken, { ZK_RELAY_STATE_DIR: `${sys.stateDir}-sur` });
    const done = await waitFor("queued delete applied", async () => {
      const got = await sys.api.get(`/offboardings/${id}`);
      return got.body.data.complete === true ? got.body.data : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(done.results.find((d: { device: string }) => d.device === "remota")).toMatchObject({ status: "deleted", snapshot_id: expect.any(Number) });
    expect(holds(remota, "4000")).toBe(false);
    expect(remota.state.enabled).toBe(true);
  });

  test("restart answers once the terminal is back; the attendance log is never cleared while the gateway does not store it", async () => {
    const r = await sys.api.post("/devices/principal/restart");
    expect(r.status).toBe(200);
    expect(r.body.data.back).toBe(true);
    expect(principal.commandLog.filter((c) => c.command === CMD.restart)).toHaveLength(1);
    expect((await sys.api.get("/devices/principal/ping")).status).toBe(200);

    const count = principal.state.attendance().length;
    const clear = await sys.api.post("/devices/principal/attendance/clear", { expected_count: count });
    expect(clear.status).toBe(409);
    expect(clear.body.code).toBe("ATTENDANCE_NOT_STORED");
    expect(principal.state.attendance()).toHaveLength(count);
  });
});
