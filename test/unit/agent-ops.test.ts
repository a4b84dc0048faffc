// Every relay op over an in-memory terminal: results match shared/ops.ts schemas, errors carry stable codes.
import { beforeEach, describe, expect, it } from "vitest";
import { OPS, OP_NAMES, type OpName } from "../../shared/ops";
import { silentLogger } from "../../agent/log";
import { createDispatcher, OP_HANDLERS, runOp, type OpContext, type OpInput } from "../../agent/ops";
import { freeUid } from "../../agent/ops/guard";
import { patchedUserRecord } from "../../agent/ops/user-record";
import { CodedError, FakeSession, FakeTerminal, target } from "./agent-fake-session";

const ctx: OpContext = { now: () => new Date(2024, 5, 1, 12, 30, 45), logger: silentLogger };
const tpl = (n: number, len = 600) => Uint8Array.from({ length: len }, (_, i) => (i * 7 + n) & 0xff);

let t: FakeTerminal;
let s: FakeSession;

async function op<O extends OpName>(name: O, args: OpInput<O>) {
  const result = await runOp(name, s, OPS[name].args.parse(args) as OpInput<O>, ctx);
  // The gateway validates results with the same schema; so do we, for every op under test.
  expect(() => OPS[name].result.parse(result)).not.toThrow();
  return result;
}

async function codeOf(p: Promise<unknown>) {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

function seed(format: 28 | 72 = 72) {
  t = new FakeTerminal(format);
  t.addUser({ uid: 1, userId: "1001", name: "Ana", privilege: 14, password: "1234", card: 555, group: 1 });
  t.addUser({ uid: 2, userId: "1002", name: "Bob", group: 3 });
  t.addUser({ uid: 5, userId: "1005", name: "Eve" });
  t.templates.push({ uid: 2, finger: 0, flag: 1, template: tpl(1) }, { uid: 2, finger: 6, flag: 3, template: tpl(2, 900) });
  t.templates.push({ uid: 1, finger: 1, flag: 1, template: tpl(3) });
  t.attendance.push(
    { uid: 1, userId: "1001", time: { year: 2024, month: 3, day: 14, hour: 8, minute: 0, second: 0 }, status: 1, punch: 0 },
    { uid: 2, userId: "1002", time: { year: 2024, month: 3, day: 15, hour: 8, minute: 5, second: 0 }, status: 1, punch: 0 },
    { uid: 1, userId: "1001", time: { year: 2024, month: 3, day: 15, hour: 17, minute: 2, second: 9 }, status: 4, punch: 1 },
  );
  s = new FakeSession(t, 1);
}

beforeEach(() => seed());

describe("op table", () => {
  it("implements every op of shared/ops.ts", () => {
    expect(Object.keys(OP_HANDLERS).sort()).toEqual([...OP_NAMES].sort());
    expect(createDispatcher().capabilities).toEqual(OP_NAMES);
  });
});

describe("device and time ops", () => {
  it("device.ping and time.get answer the device clock", async () => {
    expect(await op("device.ping", {})).toEqual({ time: "2024-03-15 08:00:00" });
    expect(await op("time.get", {})).toEqual({ time: "2024-03-15 08:00:00" });
  });

  it("device.info maps sizes to counts and capacities", async () => {
    expect(await op("device.info", {})).toEqual({
      serial: "FAKE0001",
      platform: "ZMM220_TFT",
      firmware: "Ver 6.60",
      name: "Fake",
      mac: "00:17:61:00:00:01",
      fp_version: "10",
      counts: { users: 3, fingers: 3, records: 3 },
      capacity: { users: 3000, fingers: 3000, records: 100000 },
      time: "2024-03-15 08:00:00",
    });
  });

  it("time.sync sets the given time, or the agent's local clock, with the terminal disabled meanwhile", async () => {
    expect(await op("time.sync", { time: "2024-12-31 23:59:58" })).toEqual({ time: "2024-12-31 23:59:58" });
    expect(await op("time.sync", {})).toEqual({ time: "2024-06-01 12:30:45" });
    expect(t.callNames()).toEqual(["disable", "setTime", "getTime", "enable", "disable", "setTime", "getTime", "enable"]);
    expect(t.enabled).toBe(true);
  });
});

describe("users.list / create / update", () => {
  it("lists users in the API's shape (group_id from the group byte when there is no group text)", async () => {
    const { users } = await op("users.list", {});
    expect(users).toEqual([
      { uid: 1, user_id: "1001", name: "Ana", privilege: 14, card: 555, group_id: "1" },
      { uid: 2, user_id: "1002", name: "Bob", privilege: 0, card: 0, group_id: "3" },
      { uid: 5, user_id: "1005", name: "Eve", privilege: 0, card: 0, group_id: "1" },
    ]);
    expect(JSON.stringify(users)).not.toContain("1234"); // never the password
  });

  it("creates with uid = max + 1, disabled while writing, and answers the stored user", async () => {
    const { user } = await op("users.create", { user_id: "2000", name: "Zoe", card: 42, group_id: "7", password: "99" });
    expect(user).toEqual({ uid: 6, user_id: "2000", name: "Zoe", privilege: 0, card: 42, group_id: "7" });
    expect(t.byUserId("2000")).toMatchObject({ uid: 6, password: "99", group: 7 });
    expect(t.callNames()).toEqual(["disable", "getUsers", "setUserRaw", "refreshData", "enable"]);
  });

  it("stores group text in the 72-byte record's group_id field", async () => {
    const { user } = await op("users.create", { user_id: "A-7", group_id: "night" });
    expect(user.group_id).toBe("night");
    expect(t.byUserId("A-7")?.groupId).toBe("night");
  });

  it("USER_EXISTS when the user_id is taken, or an explicit uid belongs to someone else; nothing written", async () => {
    expect(await codeOf(op("users.create", { user_id: "1002" }))).toBe("USER_EXISTS");
    expect(await codeOf(op("users.create", { user_id: "3000", uid: 5 }))).toBe("USER_EXISTS");
    expect(t.callNames().filter((n) => n.startsWith("setUser"))).toEqual([]);
    expect(t.enabled).toBe(true);
    const { user } = await op("users.create", { user_id: "3000", uid: 3 });
    expect(user.uid).toBe(3);
  });

  it("freeUid: max + 1, else the first gap; DEVICE_FULL when none", () => {
    const u = (uid: number) => ({ uid }) as never;
    expect(freeUid([])).toBe(1);
    expect(freeUid([u(1), u(2), u(9)])).toBe(10);
    expect(freeUid([u(1), u(2), u(65535)])).toBe(3);
    const all = Array.from({ length: 65535 }, (_, i) => u(i + 1));
    expect(() => freeUid(all)).toThrow(expect.objectContaining({ code: "DEVICE_FULL" }));
  });

  it("28-byte firmware: numeric user_id and group only, password of 5 digits at most", async () => {
    seed(28);
    expect(await codeOf(op("users.create", { user_id: "A1" }))).toBe("VALIDATION_FAILED");
    expect(await codeOf(op("users.create", { user_id: "77", group_id: "night" }))).toBe("VALIDATION_FAILED");
    expect(await codeOf(op("users.create", { user_id: "77", password: "123456" }))).toBe("VALIDATION_FAILED");
    expect(t.enabled).toBe(true);
    const { user } = await op("users.create", { user_id: "77", name: "Maximiliano", password: "12345" });
    expect(user).toEqual({ uid: 6, user_id: "77", name: "Maximili", privilege: 0, card: 0, group_id: "1" });
  });

  it("updates only the given fields and writes every other byte back verbatim", async () => {
    const before = t.byUserId("1001")!;
    const { user } = await op("users.update", { user_id: "1001", name: "Ana María" });
    expect(user).toEqual({ uid: 1, user_id: "1001", name: "Ana María", privilege: 14, card: 555, group_id: "1" });
    const after = t.byUserId("1001")!;
    expect(after.password).toBe("1234");
    expect([...after.raw.subarray(35)]).toEqual([...before.raw.subarray(35)]);
    expect([...after.raw.subarray(0, 11)]).toEqual([...before.raw.subarray(0, 11)]);
    expect(t.enabled).toBe(true);
  });

  it("patchedUserRecord keeps opaque bytes (time zones after the group byte) untouched", () => {
    const existing = t.byUserId("1002")!;
    const raw = existing.raw.slice();
    raw.set([1, 0, 2, 0, 3, 0], 40); // adrobinoga's time-zone reading of bytes 40-45
    const patched = patchedUserRecord({ ...existing, raw }, { card: 77 });
    expect([...patched.subarray(40, 46)]).toEqual([1, 0, 2, 0, 3, 0]);
    expect(new DataView(patched.buffer).getUint32(35, true)).toBe(77);
  });

  it("USER_NOT_FOUND for update/fingers/enroll of an unknown user_id, with the user_id in details", async () => {
    for (const p of [
      op("users.update", { user_id: "404", name: "x" }),
      op("users.fingers", { user_id: "404" }),
      op("users.enrollFinger", { user_id: "404", finger: 1 }),
    ]) {
      await expect(p).rejects.toMatchObject({ code: "USER_NOT_FOUND", details: { user_id: "404" } });
    }
    expect(t.enabled).toBe(true);
  });
});

describe("fingers and enrolment", () => {
  it("lists a user's enrolled fingers with sizes, duress counted valid", async () => {
    expect(await op("users.fingers", { user_id: "1002" })).toEqual({
      fingers: [
        { finger: 0, size: 600, valid: true },
        { finger: 6, size: 900, valid: true },
      ],
    });
  });

  it("skips every template read when the terminal holds no templates at all", async () => {
    t.templates = [];
    expect(await op("users.fingers", { user_id: "1002" })).toEqual({ fingers: [] });
    expect(t.callNames()).toEqual(["getUsers", "freeSizes"]);
  });

  it("starts enrolment without disabling the terminal", async () => {
    expect(await op("users.enrollFinger", { user_id: "1005", finger: 3 })).toEqual({ started: true });
    expect(t.callNames()).toEqual(["getUsers", "startEnroll"]);
  });
});

describe("attendance.list", () => {
  it("filters by user_id, date and from/to on the agent", async () => {
    expect((await op("attendance.list", {})).records).toHaveLength(3);
    expect((await op("attendance.list", { user_id: "1001" })).records.map((r) => r.timestamp)).toEqual([
      "2024-03-14 08:00:00",
      "2024-03-15 17:02:09",
    ]);
    expect((await op("attendance.list", { date: "2024-03-15" })).records.map((r) => r.user_id)).toEqual(["1002", "1001"]);
    expect((await op("attendance.list", { from: "2024-03-15 08:05:00", to: "2024-03-15 17:00:00" })).records).toEqual([
      { user_id: "1002", timestamp: "2024-03-15 08:05:00", status: 1, punch: 0, uid: 2 },
    ]);
  });

  it("fills user_id from the user table for records that only carry a uid (8-byte format)", async () => {
    t.attendance = [{ uid: 5, userId: "", time: { year: 2024, month: 1, day: 2, hour: 3, minute: 4, second: 5 }, status: 0, punch: 0 }];
    expect((await op("attendance.list", { user_id: "1005" })).records).toEqual([
      { user_id: "1005", timestamp: "2024-01-02 03:04:05", status: 0, punch: 0, uid: 5 },
    ]);
  });
});

describe("users.delete (the seed) and users.restore", () => {
  it("follows the seed's steps and answers the user plus a full snapshot", async () => {
    const before = t.byUserId("1002")!;
    const { user, snapshot } = await op("users.delete", { user_id: "1002" });
    expect(user).toEqual({ uid: 2, user_id: "1002", name: "Bob", privilege: 0, card: 0, group_id: "3" });
    expect(snapshot).toMatchObject({ format: 72, user, record: Buffer.from(before.raw).toString("base64") });
    expect(snapshot.templates).toEqual([
      { finger: 0, flag: 1, template: Buffer.from(tpl(1)).toString("base64") },
      { finger: 6, flag: 3, template: Buffer.from(tpl(2, 900)).toString("base64") },
    ]);
    expect(t.byUserId("1002")).toBeUndefined();
    expect(t.templates.filter((x) => x.uid === 2)).toEqual([]);
    expect(t.templates).toHaveLength(1); // other users' fingers untouched
    // A small table over TCP: one bulk template read (cheaper than ten single reads, and keeps the flags).
    expect(t.callNames()).toEqual([
      "disable",
      "getUsers",
      "freeSizes",
      "getTemplates",
      "deleteUser",
      "deleteTemplate",
      "deleteTemplate",
      "refreshData",
      "enable",
    ]);
    expect(t.enabled).toBe(true);
  });

  it("reads a big table's user with ten single reads, and always so over UDP", async () => {
    for (let uid = 100; uid < 160; uid++) t.templates.push({ uid, finger: 0, flag: 1, template: tpl(uid) });
    const big = await op("users.delete", { user_id: "1002" });
    expect(big.snapshot.templates.map((x) => x.finger)).toEqual([0, 6]);
    expect(t.callNames().filter((c) => c === "getTemplate")).toHaveLength(10);
    expect(t.callNames()).not.toContain("getTemplates");
    seed();
    t.transport = "udp";
    s = new FakeSession(t, 2);
    await op("users.delete", { user_id: "1001" });
    expect(t.callNames().filter((c) => c === "getTemplate")).toHaveLength(10);
  });

  it("removes the templates itself on firmware that keeps them after DELETE_USER", async () => {
    t.deleteDropsTemplates = false;
    await op("users.delete", { user_id: "1002" });
    expect(t.templates.filter((x) => x.uid === 2)).toEqual([]);
  });

  it("USER_NOT_FOUND (404) with details {user_id}; nothing deleted, terminal re-enabled", async () => {
    await expect(op("users.delete", { user_id: "123" })).rejects.toMatchObject({
      name: "RelayError",
      code: "USER_NOT_FOUND",
      message: "User '123' not found",
      details: { user_id: "123" },
    });
    expect(t.users.size).toBe(3);
    expect(t.callNames()).toEqual(["disable", "getUsers", "enable"]);
  });

  it("reports success once DELETE_USER went through, even when the clean-up after it fails", async () => {
    t.failHook = (name) => (name === "refreshData" ? new CodedError("DEVICE_TIMEOUT", "slow") : undefined);
    const { user } = await op("users.delete", { user_id: "1002" });
    expect(user.user_id).toBe("1002");
    expect(t.byUserId("1002")).toBeUndefined();
  });

  it("restores record and templates byte for byte at the original uid", async () => {
    const before = t.byUserId("1002")!;
    const { snapshot } = await op("users.delete", { user_id: "1002" });
    const restored = await op("users.restore", { snapshot });
    expect(restored).toEqual({ user: snapshot.user, fingers: 2 });
    expect([...t.byUserId("1002")!.raw]).toEqual([...before.raw]);
    const fingers = t.templates.filter((x) => x.uid === 2).sort((a, b) => a.finger - b.finger);
    expect(fingers.map((f) => [f.finger, f.flag, [...f.template]])).toEqual([
      [0, 1, [...tpl(1)]],
      [6, 3, [...tpl(2, 900)]],
    ]);
    expect(t.enabled).toBe(true);
  });

  it("moves the restored user to a free uid when someone else took theirs", async () => {
    const { snapshot } = await op("users.delete", { user_id: "1002" });
    t.addUser({ uid: 2, userId: "9999", name: "New" });
    const { user, fingers } = await op("users.restore", { snapshot });
    expect(user).toMatchObject({ uid: 6, user_id: "1002", name: "Bob" });
    expect(fingers).toBe(2);
    expect(t.byUserId("9999")?.uid).toBe(2);
    expect(t.templates.filter((x) => x.uid === 6).map((x) => x.finger).sort()).toEqual([0, 6]);
  });

  it("refuses to duplicate a user_id that was re-created under another uid", async () => {
    const { snapshot } = await op("users.delete", { user_id: "1002" });
    t.addUser({ uid: 8, userId: "1002", name: "Bob again" });
    await expect(op("users.restore", { snapshot })).rejects.toMatchObject({ code: "USER_EXISTS" });
    expect(t.enabled).toBe(true);
  });

  it("rejects a snapshot whose bytes do not match its format or user", async () => {
    const { snapshot } = await op("users.delete", { user_id: "1002" });
    await expect(op("users.restore", { snapshot: { ...snapshot, record: "AAAA" } })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    await expect(op("users.restore", { snapshot: { ...snapshot, user: { ...snapshot.user, user_id: "1" } } })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
    await expect(op("users.restore", { snapshot: { ...snapshot, templates: [{ finger: 1, flag: 1, template: "!!" }] } })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
    seed(28);
    await expect(op("users.restore", { snapshot })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });
});

describe("createDispatcher", () => {
  it("runs ops inside the terminal queue with the pool's session factory", async () => {
    const d = createDispatcher({ sessionFactory: t.factory() });
    const deadline = Date.now() + 5000;
    const results = await Promise.all([
      d.dispatch({ op: "users.list", device: target(), args: {}, deadline }),
      d.dispatch({ op: "users.delete", device: target({ id: "alias" }), args: { user_id: "1005" }, deadline }),
      d.dispatch({ op: "users.list", device: target(), args: {}, deadline }),
    ]);
    expect((results[0] as { users: unknown[] }).users).toHaveLength(3);
    expect((results[2] as { users: unknown[] }).users).toHaveLength(2);
    expect(t.connects).toBe(1);
    await d.pool.idle();
    expect(t.callNames().at(-1)).toBe("close"); // the pool's session, closed once the queue emptied
  });
});
