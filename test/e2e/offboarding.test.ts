// End to end (HTTP → workerd gateway → WebSocket → agent process → TCP/UDP → simulator): the seed's workflow, offboarding, undo, retries.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CMD } from "../../agent/zk/codec";
import type { Simulator } from "../../agent/zk/sim";
import type { ApiClient } from "../../scripts/lib/api-client";
import { freePort } from "../../scripts/lib/ports";
import { SEED_USER_ID, startTerminal } from "../../scripts/lib/terminals";
import { startSystem, type System } from "./harness/system";

let sys: System;
let seed: ApiClient;
let principal: Simulator;
let entrada: Simulator;
let lento: Simulator | undefined;

const userIds = (sim: Simulator) => sim.state.users().map((u) => u.userId);
const commands = (sim: Simulator, from = 0) => sim.commandLog.slice(from).map((e) => e.command);

beforeAll(async () => {
  sys = await startSystem({
    site: "oficina",
    terminals: {
      principal: {
        transport: "tcp",
        sim: {
          profile: "tft",
          users: 20,
          records: 200,
          templates: 30,
          people: [
            { userId: SEED_USER_ID, name: "Ana Pérez", fingers: [0, 1], days: 10 },
            { userId: "777", name: "Luis Gómez", fingers: [3], days: 2 },
            { userId: "555", name: "Marta Ruiz", fingers: [0, 5, 9], days: 1, card: 918273 },
          ],
        },
      },
      entrada: {
        transport: "udp",
        sim: {
          profile: "zk6",
          commKey: 4321,
          users: 10,
          records: 50,
          templates: 10,
          seed: 3,
          people: [
            { userId: SEED_USER_ID, name: "Ana", fingers: [0], days: 3 },
            { userId: "777", name: "Luis", fingers: [1], days: 1 },
            { userId: "555", name: "Marta", fingers: [2, 4], days: 1 },
          ],
        },
      },
    },
  });
  ({ principal, entrada } = sys.sims as Record<string, Simulator>);
  // An integration's key, as the seed's callers would get one: write role, this site only.
  const key = await sys.api.post("/admin/keys", { name: "seed-caller", role: "write", sites: ["oficina"] });
  expect(key.status).toBe(201);
  seed = sys.api.withKey(key.body.data.key);
}, 60_000);

afterAll(async () => {
  await lento?.close();
  await sys?.close();
});

describe("the seed's offboarding workflow, as its page shows it", () => {
  test("list, attendance, delete from each device, verify, delete again, unknown device", async () => {
    // 1. Verify the user exists
    const before = await seed.get("/devices/principal/users");
    expect(before.status).toBe(200);
    expect(before.body.success).toBe(true);
    const ana = before.body.data.find((u: { user_id: string }) => u.user_id === SEED_USER_ID);
    expect(ana).toMatchObject({ user_id: "123", name: "Ana Pérez", privilege: 0 });
    expect(Object.keys(ana).sort()).toEqual(["card", "group_id", "name", "privilege", "uid", "user_id"]);
    expect(before.body.data).toHaveLength(principal.state.users().length);

    // 2. Check user's attendance history
    const attendance = await seed.get(`/devices/principal/attendance?user_id=${SEED_USER_ID}`);
    expect(attendance.status).toBe(200);
    const onDevice = principal.state.attendance().filter((a) => a.userId === SEED_USER_ID);
    expect(onDevice).toHaveLength(20);
    expect(attendance.body.data).toHaveLength(onDevice.length);
    for (const rec of attendance.body.data) {
      expect(rec.user_id).toBe(SEED_USER_ID);
      expect(rec.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    }

    // 3. Delete the user from all devices
    const logStart = principal.commandLog.length;
    for (const device of ["principal", "entrada"]) {
      const del = await seed.del(`/devices/${device}/users/${SEED_USER_ID}`);
      expect({ device, status: del.status, body: del.body }).toEqual({
        device,
        status: 200,
        body: { success: true, message: "Usuario '123' eliminado." },
      });
    }
    expect(userIds(principal)).not.toContain(SEED_USER_ID);
    expect(userIds(entrada)).not.toContain(SEED_USER_ID);
    // Seed "Deletion Process": disabled during the delete, re-enabled after; templates go, attendance stays.
    const seen = commands(principal, logStart);
    const del = seen.indexOf(CMD.deleteUser);
    expect(del).toBeGreaterThan(-1);
    expect(seen.slice(0, del)).toContain(CMD.disableDevice);
    expect(seen.slice(del)).toContain(CMD.enableDevice);
    expect(principal.state.enabled && entrada.state.enabled).toBe(true);
    const anaUid = ana.uid as number;
    expect(principal.state.templates().filter((t) => t.uid === anaUid)).toEqual([]);
    expect(principal.state.attendance().filter((a) => a.userId === SEED_USER_ID)).toHaveLength(20);

    // 4. Verify deletion
    const after = await seed.get("/devices/principal/users");
    expect(after.status).toBe(200);
    expect(after.body.data.map((u: { user_id: string }) => u.user_id)).not.toContain(SEED_USER_ID);
    expect(after.body.data).toHaveLength(before.body.data.length - 1);
    const stillPunched = await seed.get(`/devices/principal/attendance?user_id=${SEED_USER_ID}`);
    expect(stillPunched.body.data).toHaveLength(20);

    // The seed's error responses, word for word (plus our stable `code`).
    const again = await seed.del(`/devices/principal/users/${SEED_USER_ID}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ success: false, error: "Usuario '123' no encontrado.", code: "USER_NOT_FOUND" });

    const unknown = await seed.del(`/devices/bodega/users/${SEED_USER_ID}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      success: false,
      error: "Dispositivo 'bodega' no encontrado.",
      disponibles: ["entrada", "principal"],
      code: "DEVICE_NOT_FOUND",
    });
  });

  test("an unreachable device answers 500 with the seed's connection error", async () => {
    const port = await freePort(); // bound, noted, closed: nothing listens there now
    await sys.addDevice({ id: "apagado", ip: "127.0.0.1", port, transport: "tcp", timeout: 1 });
    const res = await seed.del(`/devices/apagado/users/${SEED_USER_ID}`);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      success: false,
      error: `Connection timeout to device 127.0.0.1:${port}`,
      details: { reason: "refused" },
      code: "DEVICE_UNREACHABLE",
    });
    await sys.api.del("/devices/apagado");
  });
});

test("offboarding DELETE /users/777 across three devices, one unreachable: partial result, nothing lost", async () => {
  const port = await freePort();
  await sys.addDevice({ id: "apagado", ip: "127.0.0.1", port, transport: "tcp", timeout: 1 });
  const uidOnPrincipal = principal.state.users().find((u) => u.userId === "777")!.uid;
  const fingersOnPrincipal = principal.state.templates().filter((t) => t.uid === uidOnPrincipal).length;

  const res = await sys.api.del("/users/777?devices=principal,entrada,apagado");
  // Not every device reached a final state: 207, success false, the same per-device list (docs/people.md §2).
  expect(res.status).toBe(207);
  expect(res.body.success).toBe(false);
  expect(res.body.code).toBe("OFFBOARDING_INCOMPLETE");
  expect(res.body.data.user_id).toBe("777");
  const byDevice = Object.fromEntries(res.body.data.results.map((r: { device: string }) => [r.device, r]));
  expect(Object.keys(byDevice).sort()).toEqual(["apagado", "entrada", "principal"]);
  expect(byDevice.principal).toMatchObject({ device: "principal", status: "deleted" });
  expect(byDevice.entrada).toMatchObject({ device: "entrada", status: "deleted" });
  expect(byDevice.apagado).toEqual({
    device: "apagado",
    status: "unreachable",
    error: `Connection timeout to device 127.0.0.1:${port}`,
  });

  expect(userIds(principal)).not.toContain("777");
  expect(userIds(entrada)).not.toContain("777");
  // Nothing lost: each deletion kept a snapshot with its fingerprints, ready for undo.
  for (const [device, fingers] of [["principal", fingersOnPrincipal], ["entrada", 1]] as const) {
    const snaps = await sys.api.get(`/devices/${device}/deleted-users`);
    expect(snaps.status).toBe(200);
    const snap = snaps.body.data.find((s: { user_id: string }) => s.user_id === "777");
    expect(snap).toMatchObject({ user_id: "777", fingers, restored_at: null });
  }
  const audit = await sys.api.get("/audit?user_id=777");
  expect(audit.status).toBe(200);
  const rows = audit.body.data as Array<{ device_id: string; result: string }>;
  expect(rows.filter((r) => r.device_id === "principal" && r.result === "ok")).toHaveLength(1);
  expect(rows.filter((r) => r.device_id === "entrada" && r.result === "ok")).toHaveLength(1);
  await sys.api.del("/devices/apagado");
});

test.each([
  ["principal", "TFT, 72-byte records, TCP"],
  ["entrada", "ZK6, 28-byte records, UDP with comm key"],
] as const)("delete then restore on %s (%s): user record and templates come back byte for byte", async (device, _kind) => {
  const sim = sys.sims[device]!;
  const user = sim.state.users().find((u) => u.userId === "555")!;
  const templates = sim.state.templates().filter((t) => t.uid === user.uid);
  expect(templates.length).toBeGreaterThan(1);

  const del = await sys.api.del(`/devices/${device}/users/555`);
  expect(del.body).toEqual({ success: true, message: "Usuario '555' eliminado." });
  expect(userIds(sim)).not.toContain("555");
  expect(sim.state.templates().filter((t) => t.uid === user.uid)).toEqual([]);

  const restored = await sys.api.post(`/devices/${device}/users/555/restore`);
  expect(restored.status).toBe(200);
  expect(restored.body).toMatchObject({
    success: true,
    message: "Usuario '555' restaurado.",
    data: { user: { user_id: "555", uid: user.uid }, fingers: templates.length },
  });
  const back = sim.state.users().find((u) => u.userId === "555")!;
  expect(Buffer.from(back.raw).toString("hex")).toBe(Buffer.from(user.raw).toString("hex"));
  const hex = (ts: typeof templates) =>
    ts
      .map((t) => ({ uid: t.uid, finger: t.finger, flag: t.flag, bytes: Buffer.from(t.template).toString("hex") }))
      .sort((a, b) => a.finger - b.finger);
  expect(hex(sim.state.templates().filter((t) => t.uid === user.uid))).toEqual(hex(templates));
  expect(sim.state.enabled).toBe(true);

  // The snapshot is used up: a second restore has nothing to restore.
  const twice = await sys.api.post(`/devices/${device}/users/555/restore`);
  expect(twice.status).toBe(404);
  expect(twice.body.code).toBe("SNAPSHOT_NOT_FOUND");
});

test("a retry after a dropped response with the same Idempotency-Key gets the first answer; the terminal saw one delete", async () => {
  // Slow on purpose (every reply delayed): the client can give up while the delete is still running.
  const slow = await startTerminal({
    profile: "tft",
    users: 5,
    records: 10,
    templates: 5,
    latencyMs: 40,
    people: [{ userId: "888", name: "Eva Soto", fingers: [2] }],
  });
  lento = slow;
  await sys.addDevice({ id: "lento", ip: "127.0.0.1", port: slow.port, transport: "tcp", timeout: 2 });
  const logStart = slow.commandLog.length;
  const headers = { "Idempotency-Key": "offboard-888-attempt" };
  const controller = new AbortController();
  const first = sys.api.del("/devices/lento/users/888", { headers, signal: controller.signal });
  // Drop the connection once the terminal is executing the delete: the answer is lost on the way back.
  const deadline = Date.now() + 10_000;
  while (!commands(slow, logStart).includes(CMD.deleteUser) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  controller.abort();
  await expect(first).rejects.toThrow();
  expect(commands(slow, logStart)).toContain(CMD.deleteUser);

  // A careful client retries; while the first attempt is still running it is told so (409) and tries again.
  let retry = await sys.api.del("/devices/lento/users/888", { headers });
  const until = Date.now() + 10_000;
  while (retry.status === 409 && retry.body?.code === "IDEMPOTENCY_CONFLICT" && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    retry = await sys.api.del("/devices/lento/users/888", { headers });
  }
  expect(retry.status).toBe(200);
  expect(retry.body).toEqual({ success: true, message: "Usuario '888' eliminado." });
  expect(retry.headers.get("idempotent-replayed")).toBe("true");

  const third = await sys.api.del("/devices/lento/users/888", { headers });
  expect(third.body).toEqual(retry.body);
  expect(commands(slow, logStart).filter((c) => c === CMD.deleteUser)).toHaveLength(1);
  expect(userIds(slow)).not.toContain("888");

  // The same key for another request is a conflict, not a replay.
  const other = await sys.api.del("/devices/lento/users/1001", { headers });
  expect(other.status).toBe(409);
  expect(other.body.code).toBe("IDEMPOTENCY_CONFLICT");
});

test("door unlock end to end: HTTP → gateway → agent → both terminals (TCP, and UDP with a comm key), audited", async () => {
  for (const [id, sim] of [["principal", principal], ["entrada", entrada]] as const) {
    const before = sim.state.unlocks.length;
    const r = await seed.post(`/devices/${id}/unlock`, { seconds: 4 });
    expect([r.status, r.body], id).toEqual([200, { success: true, message: "Puerta abierta durante 4 segundos.", data: { seconds: 4 } }]);
    // The terminal got CMD_UNLOCK with the duration in tenths, and its door is open now.
    expect(sim.state.unlocks.slice(before).map((u) => u.tenths), id).toEqual([40]);
    expect(sim.state.doorOpen, id).toBe(true);
  }
  const audit = await sys.api.get("/audit?limit=5");
  const rows = (audit.body.data as { action: string; device_id: string; detail: unknown }[]).filter((a) => a.action === "door.unlock");
  expect(rows.map((a) => [a.device_id, a.detail])).toEqual([
    ["entrada", { seconds: 4 }],
    ["principal", { seconds: 4 }],
  ]);
});
