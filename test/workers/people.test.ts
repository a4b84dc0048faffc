// People across terminals through the gateway (workerd, real D1 and SiteRelay, a test agent socket): where-is, offboardings with ids, undo, queue, copy, actions.
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { AgentFailure, createDevice, createKey, createSite, deletedUser, fakeAgent, json, user, waitFor, type FakeAgent } from "./helpers";

let agent: FakeAgent;
let sur: { id: string; token: string };

beforeAll(async () => {
  const este = await createSite("este");
  sur = await createSite("oeste"); // no agent until a test connects one
  await createDevice({ id: "uno", site: "este" });
  await createDevice({ id: "dos", site: "este", port: 4372 });
  await createDevice({ id: "tres", site: "este", port: 4373 });
  await createDevice({ id: "lejos", site: "oeste" });
  agent = await fakeAgent(este);
});
afterAll(() => agent.close());
beforeEach(async () => {
  agent.requests.length = 0;
  for (const k of Object.keys(agent.handlers)) delete agent.handlers[k];
  await env.DB.batch([env.DB.prepare("DELETE FROM user_snapshots"), env.DB.prepare("DELETE FROM audit_log"), env.DB.prepare("DELETE FROM offboardings")]);
});

describe("GET /users/{user_id}: where a person is enrolled", () => {
  test("holders with fingers and enable bit; not-holders left out; an offline site listed as unreachable", async () => {
    agent.handlers["users.get"] = (args, req) => {
      if (req.device.id === "uno") return { user: user(args.user_id, "Ana"), fingers: 2, enabled: true };
      if (req.device.id === "dos") return { user: { ...user(args.user_id, "Ana"), privilege: 1 }, fingers: 0, enabled: false };
      throw new AgentFailure("USER_NOT_FOUND", "no");
    };
    const r = await json("GET", "/users/4000");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      success: true,
      data: {
        user_id: "4000",
        devices: [
          { device: "dos", site: "este", ...user("4000", "Ana"), privilege: 1, fingers: 0, enabled: false },
          { device: "uno", site: "este", ...user("4000", "Ana"), fingers: 2, enabled: true },
        ],
        unreachable: [{ device: "lejos", site: "oeste", status: "agent_offline", error: "El agente del sitio 'oeste' no está conectado." }],
        checked: 4,
        complete: false,
      },
    });
    const scoped = await json("GET", "/users/4000?sites=este");
    expect(scoped.body.data.complete).toBe(true);
    expect(scoped.body.data.checked).toBe(3);
    const one = await json("GET", "/users/4000?devices=tres");
    expect(one.body.data).toMatchObject({ devices: [], checked: 1, complete: true });
    expect((await json("GET", "/users/4000?devices=nada")).status).toBe(404);
    const reader = await createKey("read", ["oeste"]);
    const r2 = await json("GET", "/users/4000", { key: reader.key });
    expect(r2.body.data.checked).toBe(1);
  });

  test("a single device's user: GET /devices/{id}/users/{user_id}", async () => {
    agent.handlers["users.get"] = (args) => ({ user: user(args.user_id, "Ana"), fingers: 3, enabled: true });
    const r = await json("GET", "/devices/uno/users/77");
    expect(r.body).toEqual({ success: true, data: { user: user("77", "Ana"), fingers: 3, enabled: true } });
  });
});

describe("offboardings: id, read back, undo", () => {
  test("every device final → 200 success with an id; GET shows it; undo restores each snapshot; a second undo is 207", async () => {
    agent.handlers["users.delete"] = (args, req) => {
      if (req.device.id === "tres") throw new AgentFailure("USER_NOT_FOUND", "no");
      return deletedUser(args.user_id, req.device.id === "uno" ? 2 : 1);
    };
    const r = await json("DELETE", "/users/4000?sites=este");
    expect(r.status).toBe(200);
    expect(r.body.success).toBe(true);
    const id = r.body.data.offboarding_id as string;
    expect(r.body.data.results).toEqual([
      { device: "dos", status: "deleted" },
      { device: "tres", status: "not_found" },
      { device: "uno", status: "deleted" },
    ]);
    const got = await json("GET", `/offboardings/${id}`);
    expect(got.body.data).toMatchObject({ offboarding_id: id, user_id: "4000", key_id: "bootstrap", complete: true, undone_at: null });
    expect(got.body.data.results.map((d: any) => [d.device, d.status, typeof d.snapshot_id])).toEqual([
      ["dos", "deleted", "number"],
      ["tres", "not_found", "object"],
      ["uno", "deleted", "number"],
    ]);

    agent.handlers["users.restore"] = (args) => ({ user: args.snapshot.user, fingers: args.snapshot.templates.length });
    const undo = await json("POST", `/offboardings/${id}/undo`);
    expect(undo.status).toBe(200);
    expect(undo.body).toEqual({
      success: true,
      message: `Baja '${id}' deshecha: usuario '4000' restaurado.`,
      data: {
        offboarding_id: id,
        user_id: "4000",
        results: [
          { device: "dos", status: "restored" },
          { device: "tres", status: "nothing_to_restore" },
          { device: "uno", status: "restored" },
        ],
      },
    });
    expect(agent.calls("users.restore").map((f) => [f.device.id, (f.args as any).snapshot.templates.length]).sort()).toEqual([["dos", 1], ["uno", 2]]);
    const audit = await env.DB.prepare("SELECT device_id, status, result FROM audit_log WHERE action = 'users.restore' ORDER BY device_id").all();
    expect(audit.results).toEqual([{ device_id: "dos", status: 200, result: "ok" }, { device_id: "uno", status: 200, result: "ok" }]);

    const again = await json("POST", `/offboardings/${id}/undo`, { headers: { "accept-language": "en" } });
    expect(again.status).toBe(207);
    expect(again.body).toMatchObject({ success: false, code: "OFFBOARDING_INCOMPLETE", error: `Offboarding '${id}' was not undone on every device; see 'results'.` });
    expect(again.body.data.results[0]).toMatchObject({ device: "dos", status: "error", code: "SNAPSHOT_ALREADY_RESTORED" });
    expect(agent.calls("users.restore")).toHaveLength(2);
  });

  test("unknown or out-of-scope ids are 404; malformed ones 400", async () => {
    agent.handlers["users.delete"] = (args) => deletedUser(args.user_id);
    const r = await json("DELETE", "/users/5?devices=uno");
    const id = r.body.data.offboarding_id;
    const other = await createKey("write", ["oeste"]);
    expect((await json("GET", `/offboardings/${id}`, { key: other.key })).status).toBe(404);
    expect((await json("POST", `/offboardings/${id}/undo`, { key: other.key })).body.code).toBe("OFFBOARDING_NOT_FOUND");
    expect((await json("GET", "/offboardings/off_00000000000000000000000000000000")).status).toBe(404);
    expect((await json("GET", "/offboardings/nope")).status).toBe(400);
    const reader = await createKey("read");
    expect((await json("POST", `/offboardings/${id}/undo`, { key: reader.key })).status).toBe(403);
  });

  test("queue=true: an offline site's device waits, is deleted when its agent says hello, and shows in GET", async () => {
    agent.handlers["users.delete"] = (args) => deletedUser(args.user_id, 1);
    const r = await json("DELETE", "/users/88?sites=este,oeste&queue=true");
    expect(r.status).toBe(207);
    expect(r.body).toMatchObject({ success: false, code: "OFFBOARDING_INCOMPLETE", error: "La baja del usuario '88' queda pendiente en los dispositivos de sitios sin agente; se aplicará cuando vuelva." });
    expect(r.body.data.results.find((d: any) => d.device === "lejos")).toEqual({ device: "lejos", status: "queued" });
    const id = r.body.data.offboarding_id;

    const back = await fakeAgent(sur, { "users.delete": (args) => deletedUser(args.user_id, 4) });
    try {
      await waitFor(async () => (await json("GET", `/offboardings/${id}`)).body.data.complete === true);
      const got = await json("GET", `/offboardings/${id}`);
      expect(got.body.data.results.find((d: any) => d.device === "lejos")).toMatchObject({ status: "deleted", snapshot_id: expect.any(Number) });
      expect(back.calls("users.delete").map((f) => f.args)).toEqual([{ user_id: "88" }]);
      // Two rows: the call's (agent offline, queued) and the queued delete's own, as the offboarding's key.
      const rows = (await env.DB.prepare("SELECT key_id, result, detail FROM audit_log WHERE device_id = 'lejos' AND user_id = '88' ORDER BY id").all<any>()).results;
      expect(rows.map((x) => x.result)).toEqual(["AGENT_OFFLINE", "ok"]);
      const row = rows[1];
      expect(row.key_id).toBe("bootstrap");
      expect(JSON.parse(row.detail)).toMatchObject({ offboarding_id: id, queued: true });
    } finally {
      back.close();
      await back.closed;
    }
  });

  test("an undo calls off the devices still queued: they are never deleted", async () => {
    agent.handlers["users.delete"] = (args) => deletedUser(args.user_id, 1);
    agent.handlers["users.restore"] = (args) => ({ user: args.snapshot.user, fingers: 1 });
    const r = await json("DELETE", "/users/99?devices=uno,lejos&queue=1");
    const id = r.body.data.offboarding_id;
    const undo = await json("POST", `/offboardings/${id}/undo`);
    expect(undo.body.data.results).toEqual([
      { device: "uno", status: "restored" },
      { device: "lejos", status: "cancelled" },
    ]);
    const back = await fakeAgent(sur, { "users.delete": (args) => deletedUser(args.user_id) });
    try {
      const got = await json("GET", `/offboardings/${id}`);
      expect(got.body.data.results[1]).toMatchObject({ device: "lejos", status: "cancelled" });
      expect(back.calls("users.delete")).toHaveLength(0);
    } finally {
      back.close();
      await back.closed;
    }
  });
});

describe("POST /users/{user_id}/copy", () => {
  test("read once from the source, written to each target; conflicts and offline sites per device", async () => {
    const snapshot = deletedUser("321", 2, "Ana").snapshot;
    agent.handlers["users.export"] = () => ({ snapshot });
    agent.handlers["users.import"] = (args, req) => {
      if (req.device.id === "tres") throw new AgentFailure("USER_ID_CONFLICT", "held by someone else");
      return { user: args.snapshot.user, fingers: 2, format: 28, converted: true };
    };
    const r = await json("POST", "/users/321/copy", { body: { from: "uno", to: ["dos", "tres", "lejos"] } });
    expect(r.status).toBe(207);
    expect(r.body).toEqual({
      success: false,
      error: "El usuario '321' no se copió a todos los dispositivos; vea 'results'.",
      code: "OFFBOARDING_INCOMPLETE",
      data: {
        user_id: "321",
        from: "uno",
        results: [
          { device: "dos", status: "copied", format: 28, converted: true, fingers: 2 },
          { device: "tres", status: "conflict", code: "USER_ID_CONFLICT", error: "El dispositivo 'tres' ya tiene a otra persona con el user_id '321'; no se escribió nada." },
          { device: "lejos", status: "agent_offline", code: "AGENT_OFFLINE", error: "El agente del sitio 'oeste' no está conectado." },
        ],
      },
    });
    expect(agent.calls("users.export").map((f) => f.device.id)).toEqual(["uno"]);
    expect(agent.calls("users.import").map((f) => [f.device.id, f.args.snapshot])).toEqual([["dos", snapshot], ["tres", snapshot]]);
    const ok = await json("POST", "/users/321/copy", { body: { from: "uno", to: ["dos"] } });
    expect(ok.body).toMatchObject({ success: true, message: "Usuario '321' copiado." });
    // An incomplete copy is not final: the same Idempotency-Key really retries.
    const idem = { headers: { "idempotency-key": "copy-321" }, body: { from: "uno", to: ["tres"] } };
    const first = await json("POST", "/users/321/copy", idem);
    const retry = await json("POST", "/users/321/copy", idem);
    expect([first.status, retry.status]).toEqual([207, 207]);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(agent.calls("users.import").filter((f) => f.device.id === "tres")).toHaveLength(3);
  });

  test("bad input: the source in the targets, unknown devices, a user not on the source", async () => {
    expect((await json("POST", "/users/1/copy", { body: { from: "uno", to: ["uno"] } })).body.code).toBe("VALIDATION_FAILED");
    expect((await json("POST", "/users/1/copy", { body: { from: "uno", to: ["nada"] } })).body.code).toBe("DEVICE_NOT_FOUND");
    expect((await json("POST", "/users/1/copy", { body: { from: "uno" } })).status).toBe(400);
    agent.handlers["users.export"] = () => {
      throw new AgentFailure("USER_NOT_FOUND", "no");
    };
    const r = await json("POST", "/users/1/copy", { body: { from: "uno", to: ["dos"] } });
    expect(r.status).toBe(404);
    expect(agent.calls("users.import")).toHaveLength(0);
  });
});

describe("terminal actions", () => {
  test("restart needs admin; the answer says whether the terminal is back", async () => {
    const writer = await createKey("write");
    expect((await json("POST", "/devices/uno/restart", { key: writer.key })).status).toBe(403);
    agent.handlers["device.restart"] = () => ({ back: true, time: "2026-12-04 08:00:00", waited_ms: 1500 });
    const r = await json("POST", "/devices/uno/restart");
    expect(r.body).toEqual({ success: true, message: "Dispositivo 'uno' reiniciado; volvió a responder.", data: { back: true, time: "2026-12-04 08:00:00", waited_ms: 1500 } });
    agent.handlers["device.restart"] = () => ({ back: false, waited_ms: 60000 });
    const sent = await json("POST", "/devices/uno/restart", { headers: { "accept-language": "en" } });
    expect(sent.body.message).toBe("Restart sent to device 'uno'; it does not answer yet.");
    const row = await env.DB.prepare("SELECT action, device_id FROM audit_log WHERE action = 'device.restart' LIMIT 1").first();
    expect(row).toEqual({ action: "device.restart", device_id: "uno" });
  });

  test("enable/disable a user", async () => {
    agent.handlers["users.setEnabled"] = (args) => ({ user: { ...user(args.user_id), privilege: args.enabled ? 0 : 1 }, enabled: args.enabled, state: args.enabled ? "enabled" : "disabled" });
    const r = await json("PUT", "/devices/uno/users/12/enabled", { body: { enabled: false } });
    expect(r.body).toEqual({ success: true, message: "Usuario '12' deshabilitado.", data: { user: { ...user("12"), privilege: 1 }, enabled: false, state: "disabled" } });
    expect((await json("PUT", "/devices/uno/users/12/enabled", { body: { enabled: "no" } })).status).toBe(400);
    const reader = await createKey("read");
    expect((await json("PUT", "/devices/uno/users/12/enabled", { key: reader.key, body: { enabled: true } })).status).toBe(403);
  });

  test("clearing the attendance log is refused while the gateway does not store every record: 409, terminal untouched", async () => {
    agent.handlers["attendance.clear"] = () => ({ cleared: 5 });
    const r = await json("POST", "/devices/uno/attendance/clear", { body: { expected_count: 5 } });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ success: false, error: "Los registros del dispositivo 'uno' no están todos guardados en la pasarela; no se borró nada.", code: "ATTENDANCE_NOT_STORED" });
    expect(agent.calls("attendance.clear")).toHaveLength(0);
    expect((await json("POST", "/devices/uno/attendance/clear", { body: {} })).status).toBe(400);
    const writer = await createKey("write");
    expect((await json("POST", "/devices/uno/attendance/clear", { key: writer.key, body: { expected_count: 5 } })).status).toBe(403);
  });

  test("clearing goes to the terminal only once a catch-up saw exactly that many records and they are stored", async () => {
    agent.handlers["attendance.clear"] = (args) => ({ cleared: args.expected_count });
    const now = new Date().toISOString();
    const store = (n: number) =>
      env.DB.batch(
        Array.from({ length: n }, (_, i) =>
          env.DB.prepare(
            "INSERT INTO events (id, site_id, device_id, seq, type, user_id, timestamp, catch_up, received_at) VALUES (?, 'este', 'dos', ?, 'attendance', '7', '2026-12-01 08:00:00', 1, ?)",
          ).bind(`ev-dos-${i}`, i + 1, now),
        ),
      );
    const watch = (records: number) =>
      env.DB.prepare(
        "INSERT INTO event_devices (device_id, site_id, state, log_records, caught_up_at, updated_at) VALUES ('dos', 'este', 'live', ?, ?, ?) ON CONFLICT(device_id) DO UPDATE SET log_records = excluded.log_records",
      )
        .bind(records, now, now)
        .run();
    await watch(3);
    await store(2); // the catch-up saw 3 records, only 2 are stored: not yet
    // A log never cleared with 2 records stored: a clear of exactly those 2 (one punched live since) may go.
    await env.DB.prepare("UPDATE event_devices SET log_records = 1 WHERE device_id = 'dos'").run();
    const live = await json("POST", "/devices/dos/attendance/clear", { body: { expected_count: 2 } });
    expect(live.body).toMatchObject({ success: true, data: { cleared: 2 } });
    // Once the log was cleared, records of the earlier log are stored too: the count alone no longer proves it.
    await env.DB.prepare("UPDATE event_devices SET log_records = 3, log_resets = 1 WHERE device_id = 'dos'").run();
    expect((await json("POST", "/devices/dos/attendance/clear", { body: { expected_count: 2 } })).body.code).toBe("ATTENDANCE_NOT_STORED");
    const behind = await json("POST", "/devices/dos/attendance/clear", { body: { expected_count: 3 } });
    expect(behind.body.code).toBe("ATTENDANCE_NOT_STORED");
    await env.DB.prepare("DELETE FROM events WHERE device_id = 'dos'").run();
    await store(3);
    // The caller's count is not what the last catch-up saw (the log grew, or a wrong number): refused.
    expect((await json("POST", "/devices/dos/attendance/clear", { body: { expected_count: 4 } })).status).toBe(409);
    expect(agent.calls("attendance.clear")).toHaveLength(1);
    const ok = await json("POST", "/devices/dos/attendance/clear", { body: { expected_count: 3 } });
    expect(ok.body).toEqual({ success: true, message: "Registro de asistencia del dispositivo 'dos' borrado (3 registros).", data: { cleared: 3 } });
    expect(agent.calls("attendance.clear").map((f) => f.args)).toEqual([{ expected_count: 2 }, { expected_count: 3 }]);
    // The terminal's own count disagrees (a punch since): the agent refuses, the caller learns the real count.
    agent.handlers["attendance.clear"] = () => {
      throw new AgentFailure("ATTENDANCE_COUNT_MISMATCH", "the terminal holds 4 records, not 3", { count: "4" });
    };
    const moved = await json("POST", "/devices/dos/attendance/clear", { body: { expected_count: 3 } });
    expect(moved.status).toBe(409);
    expect(moved.body).toEqual({
      success: false,
      error: "El dispositivo 'dos' no tiene el número de registros indicado en expected_count; no se borró nada.",
      details: { count: "4" },
      code: "ATTENDANCE_COUNT_MISMATCH",
    });
    await env.DB.batch([env.DB.prepare("DELETE FROM events WHERE device_id = 'dos'"), env.DB.prepare("DELETE FROM event_devices WHERE device_id = 'dos'")]);
  });
});
