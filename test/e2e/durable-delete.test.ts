// A delete survives SIGKILL, SIGTERM and a gateway restart at each step: the user is present, or gone with its snapshot.
import { afterAll, beforeAll, expect, test } from "vitest";
import { CMD } from "../../agent/zk/codec";
import type { Simulator } from "../../agent/zk/sim";
import { waitFor } from "../../scripts/lib/api-client";
import { startSystem, type System } from "./harness/system";

let sys: System;
let caja: Simulator;
const PEOPLE = ["901", "902", "903", "904", "905", "906"];

beforeAll(async () => {
  sys = await startSystem({
    site: "durable",
    terminals: {
      caja: {
        transport: "tcp",
        timeout: 1,
        sim: { profile: "tft", users: 5, records: 5, templates: 2, people: PEOPLE.map((id, i) => ({ userId: id, name: `Persona ${id}`, fingers: [i % 10, 5] })) },
      },
    },
  });
  caja = sys.sims.caja!;
}, 60_000);

afterAll(async () => {
  await sys?.close();
});

type Fault = "SIGKILL" | "SIGTERM" | "gateway restart";
/** Where the terminal goes silent: before DELETE_USER (from DISABLE on) or after it (from REFRESHDATA on). */
type Step = "before DELETE_USER" | "after DELETE_USER";

const userOf = (userId: string) => caja.state.users().find((u) => u.userId === userId);
const fingersOf = (uid: number) =>
  caja.state
    .templates()
    .filter((t) => t.uid === uid)
    .map((t) => ({ finger: t.finger, bytes: Buffer.from(t.template).toString("hex") }))
    .sort((a, b) => a.finger - b.finger);
const seen = (command: number, from: number) => caja.commandLog.slice(from).some((e) => e.command === command);
const present = (userId: string) => caja.state.users().some((u) => u.userId === userId);

async function hit(fault: Fault, step: Step, userId: string): Promise<void> {
  const from = caja.commandLog.length;
  const before = userOf(userId)!;
  const record = Buffer.from(before.raw).toString("hex");
  const templates = fingersOf(before.uid);
  caja.faults.set({ kind: "silence", after: { command: step === "before DELETE_USER" ? CMD.disableDevice : CMD.refreshData } });
  const call = sys.api.del(`/devices/caja/users/${userId}`, { headers: { "Idempotency-Key": `fault-${userId}` } }).catch((e: unknown) => e);
  await waitFor("the terminal to reach the step", async () => (seen(step === "before DELETE_USER" ? CMD.disableDevice : CMD.refreshData, from) ? true : undefined), {
    timeoutMs: 10_000,
    intervalMs: 5,
  });
  const agent = sys.agent!;
  if (fault === "SIGKILL") await agent.kill();
  else if (fault === "SIGTERM") {
    agent.signal("SIGTERM");
    expect(await agent.exited).toBe(0); // drained: the in-flight delete ended (its terminal is silent), then exit 0
  } else await sys.gateway.restart();
  await call;
  caja.faults.set(null);

  // The agent is back (restarted, or redialled by itself after the gateway restart).
  if (fault === "gateway restart") await sys.waitAgent(true, 20_000);
  else await sys.startAgent();
  // Within 10 s of the agent being back (a SIGKILL left it disabled: the persisted record has the new run enable it).
  await waitFor("the terminal enabled again", async () => (caja.state.enabled ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });

  if (present(userId)) {
    // Nothing happened: the user is whole, and no snapshot claims otherwise.
    expect(seen(CMD.deleteUser, from)).toBe(step === "after DELETE_USER" ? true : false);
    return;
  }
  // Gone: the snapshot must be there (the outbox delivers it), and restore puts the person back byte for byte.
  let listed: Array<{ user_id: string; snapshot_id: number; fingers: number }> = [];
  await waitFor("the snapshot in deleted-users", async () => {
    listed = (await sys.api.get("/devices/caja/deleted-users")).body.data;
    return listed.some((d) => d.user_id === userId) ? true : undefined;
  }, { timeoutMs: 20_000, intervalMs: 100 });
  const snap = listed.find((d) => d.user_id === userId)!;
  expect(snap.fingers).toBe(templates.length);
  // The retry of the caller's request replays the real outcome.
  const retry = await sys.api.del(`/devices/caja/users/${userId}`, { headers: { "Idempotency-Key": `fault-${userId}` } });
  expect([retry.status, retry.body]).toEqual([200, { success: true, message: `Usuario '${userId}' eliminado.` }]);
  const restored = await sys.api.post(`/devices/caja/users/${userId}/restore`, {});
  expect(restored.status).toBe(200);
  const back = userOf(userId)!;
  expect(Buffer.from(back.raw).toString("hex")).toBe(record);
  expect(fingersOf(back.uid)).toEqual(templates);
}

const matrix: Array<[Fault, Step, string]> = [
  ["SIGKILL", "after DELETE_USER", "901"],
  ["SIGTERM", "after DELETE_USER", "902"],
  ["gateway restart", "after DELETE_USER", "903"],
  ["SIGKILL", "before DELETE_USER", "904"],
  ["SIGTERM", "before DELETE_USER", "905"],
  ["gateway restart", "before DELETE_USER", "906"],
];

test.each(matrix)("%s %s: the user is present, or gone with a restorable snapshot; the terminal is enabled again", async (fault, step, userId) => {
  await hit(fault, step, userId);
  if (step === "after DELETE_USER") expect(present(userId)).toBe(true); // restored
}, 90_000);
