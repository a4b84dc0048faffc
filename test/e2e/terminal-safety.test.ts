// One terminal, many names: locks by resolved address, re-enable with the disabling credentials; restore never overwrites.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Simulator } from "../../agent/zk/sim";
import { startSystem, type System } from "./harness/system";

let sys: System;
let b1: Simulator;
let caja: Simulator;

beforeAll(async () => {
  sys = await startSystem({
    site: "safety",
    terminals: {
      // Every reply a little late, so concurrent requests really overlap on the terminal's one session.
      b1: { transport: "tcp", sim: { profile: "tft", users: 5, records: 5, templates: 2, commKey: 4321, latencyMs: 20, people: [{ userId: "1008", name: "Ana", fingers: [1] }] } },
      caja: {
        transport: "tcp",
        sim: {
          profile: "tft",
          users: 5,
          records: 5,
          templates: 2,
          people: [
            { userId: "903", name: "Vieja Persona", fingers: [0] },
            { userId: "904", name: "Otra Persona", fingers: [0, 5] },
          ],
        },
      },
    },
  });
  ({ b1, caja } = sys.sims as Record<string, Simulator>);
  // Two more registry names for b1: the right address spelt differently, and the right address with a wrong key.
  await sys.addDevice({ id: "b1local", ip: "localhost", port: b1.port, transport: "tcp", password: 4321, timeout: 2 });
  await sys.addDevice({ id: "b1wrong", ip: "127.0.0.1", port: b1.port, transport: "tcp", password: 1, timeout: 2 });
}, 60_000);

afterAll(async () => {
  await sys?.close();
});

describe("one terminal under several registry names (case 3)", () => {
  test("offboarding through the right and a wrong comm key: deleted once, the wrong one fails, the terminal is left enabled", async () => {
    const r = await sys.api.del("/users/1008?devices=b1,b1wrong");
    // One device failed: not final, so 207 OFFBOARDING_INCOMPLETE with the per-device list (docs/people.md §2).
    expect(r.status).toBe(207);
    expect(r.body.code).toBe("OFFBOARDING_INCOMPLETE");
    const byDevice = Object.fromEntries(r.body.data.results.map((x: { device: string; status: string }) => [x.device, x.status]));
    expect(byDevice).toEqual({ b1: "deleted", b1wrong: "error" });
    expect(b1.state.users().some((u) => u.userId === "1008")).toBe(false);
    // Enabled when the answer arrives: re-enabled with the key that disabled it, not the failing job's.
    expect(b1.state.enabled).toBe(true);
  });

  test("localhost and 127.0.0.1 are one terminal: concurrent reads through both names all succeed", async () => {
    const names = ["b1", "b1local", "b1", "b1local", "b1", "b1local"];
    const answers = await Promise.all(names.map((d) => sys.api.get(`/devices/${d}/users`)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(b1.state.enabled).toBe(true);
  });
});

describe("restore never overwrites (case 4)", () => {
  test("a restored snapshot cannot be restored again: 409, and later edits stay", async () => {
    expect((await sys.api.del("/devices/caja/users/903")).status).toBe(200);
    const listed = (await sys.api.get("/devices/caja/deleted-users")).body.data as Array<{ snapshot_id: number; user_id: string }>;
    const snapshotId = listed.find((d) => d.user_id === "903")!.snapshot_id;
    expect((await sys.api.post("/devices/caja/users/903/restore", { snapshot_id: snapshotId })).status).toBe(200);
    expect((await sys.api.put("/devices/caja/users/903", { privilege: 14 })).status).toBe(200);
    // The audit row of the PUT has the before-state (case 9).
    const audit = (await sys.api.get("/audit?user_id=903")).body.data as Array<{ action: string; before_state: { privilege: number } | null }>;
    expect(audit.find((a) => a.action === "users.update")!.before_state).toMatchObject({ user_id: "903", privilege: 0 });

    const again = await sys.api.post("/devices/caja/users/903/restore", { snapshot_id: snapshotId });
    expect([again.status, again.body.code]).toEqual([409, "SNAPSHOT_ALREADY_RESTORED"]);
    expect(caja.state.users().find((u) => u.userId === "903")!.privilege).toBe(14);
  });

  test("a restore whose user_id is now held by someone else answers 409 with who holds it, and changes nothing", async () => {
    const old = caja.state.users().find((u) => u.userId === "904")!;
    expect((await sys.api.del("/devices/caja/users/904")).status).toBe(200);
    // A new hire gets badge 904 and the freed uid, and enrols finger 5.
    caja.addUser({ uid: old.uid, userId: "904", name: "Nueva Persona" });
    caja.addTemplate({ uid: old.uid, finger: 5, flag: 1, template: new Uint8Array(64).fill(7) });
    const before = JSON.stringify({ users: caja.state.users(), templates: caja.state.templates() }, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v));

    const r = await sys.api.post("/devices/caja/users/904/restore", {});
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ success: false, code: "RESTORE_CONFLICT", held_by: { uid: old.uid, user_id: "904", name: "Nueva Persona" } });
    const after = JSON.stringify({ users: caja.state.users(), templates: caja.state.templates() }, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v));
    expect(after).toBe(before);
    // The snapshot stays restorable once the slot is free again.
    const listed = (await sys.api.get("/devices/caja/deleted-users")).body.data as Array<{ user_id: string; restored_at: string | null }>;
    expect(listed.find((d) => d.user_id === "904")!.restored_at).toBeNull();
  });
});
