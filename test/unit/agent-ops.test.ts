// Every relay op over an in-memory terminal: results match shared/ops.ts schemas, errors carry stable codes.
import { beforeEach, describe, expect, it, vi } from "vitest";
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
    // One REFRESHDATA of the op's own after SET_TIME (docs/protocol.md §6), whether or not the client sends one too.
    const once = ["disable", "setTime", "refreshData", "getTime", "enable"];
    expect(t.callNames()).toEqual([...once, ...once]);
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
    // The table read back after the write proves the user landed as sent.
    expect(t.callNames()).toEqual(["disable", "getUsers", "setUserRaw", "refreshData", "getUsers", "enable"]);
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
    // 11 bytes of name do not fit the 8-byte field: refused, not cut to "Maximili".
    expect(await codeOf(op("users.create", { user_id: "77", name: "Maximiliano" }))).toBe("VALIDATION_FAILED");
    const { user } = await op("users.create", { user_id: "77", name: "Maximili", password: "12345" });
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

  it("a numeric group_id patches the group byte alone (39 of 72): time-zone bytes 40-47 stay", () => {
    const existing = t.byUserId("1002")!;
    const raw = existing.raw.slice();
    raw.set([1, 0, 2, 0, 3, 0, 4, 0], 40); // adrobinoga: own-time-zones flag 1, time zones 2, 3, 4
    const patched = patchedUserRecord({ ...existing, raw }, { group_id: "9" });
    const changed = [...patched.keys()].filter((i) => patched[i] !== raw[i]);
    expect(changed).toEqual([39]);
    expect(patched[39]).toBe(9);
  });

  it("a text group_id writes bytes 40-46 and leaves the group byte; a number later clears that text", () => {
    const existing = t.byUserId("1002")!; // group byte 3
    const text = patchedUserRecord(existing, { group_id: "night" });
    expect([...text.keys()].filter((i) => text[i] !== existing.raw[i]).every((i) => i >= 40 && i <= 46)).toBe(true);
    expect(text[39]).toBe(3);
    expect(Buffer.from(text.subarray(40, 45)).toString()).toBe("night");
    // Back to a number: pyzk's text would hide it (the API shows the text when there is one), so it goes.
    const back = patchedUserRecord({ ...existing, raw: text }, { group_id: "4" });
    expect(back[39]).toBe(4);
    expect([...back.subarray(40, 47)]).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it("28-byte records: a numeric group_id patches byte 21 alone (byte 20 and the time zone at 22-23 stay)", () => {
    seed(28);
    const existing = t.byUserId("1002")!;
    const raw = existing.raw.slice();
    raw.set([7, 0x33, 5, 0], 20);
    const patched = patchedUserRecord({ ...existing, raw }, { group_id: "12" });
    expect([...patched.keys()].filter((i) => patched[i] !== raw[i])).toEqual([21]);
    expect(patched[21]).toBe(12);
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
    // One GET_FREE_SIZES for the user read and the template plan; a small table over TCP: one bulk template read
    // (cheaper than ten single reads, and keeps the flags); after DELETE_USER one more GET_FREE_SIZES shows the
    // terminal removed both templates itself, so no DELETE_USERTEMP is sent.
    expect(t.callNames()).toEqual(["disable", "freeSizes", "getUsers", "getTemplates", "deleteUser", "freeSizes", "refreshData", "enable"]);
    expect(t.enabled).toBe(true);
  });

  it("reads a big table's user with ten single reads, and always so over UDP", async () => {
    // 300 more people with a finger each: the bulk table (~6 chunks) costs more than ten single reads.
    for (let uid = 100; uid < 400; uid++) {
      t.addUser({ uid, userId: String(9000 + uid) });
      t.templates.push({ uid, finger: 0, flag: 1, template: tpl(uid) });
    }
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
    // It looked first (the count did not fall), then deleted each one.
    expect(t.callNames().slice(4, 8)).toEqual(["deleteUser", "freeSizes", "deleteTemplate", "deleteTemplate"]);
  });

  it("a single template is deleted without looking first: that costs what looking would", async () => {
    t.templates = t.templates.filter((x) => !(x.uid === 2 && x.finger === 6));
    await op("users.delete", { user_id: "1002" });
    expect(t.callNames().slice(4, 6)).toEqual(["deleteUser", "deleteTemplate"]);
    expect(t.templates.filter((x) => x.uid === 2)).toEqual([]);
  });

  it("USER_NOT_FOUND (404) with details {user_id}; nothing deleted, terminal re-enabled", async () => {
    await expect(op("users.delete", { user_id: "123" })).rejects.toMatchObject({
      name: "CodedError",
      code: "USER_NOT_FOUND",
      message: "User '123' not found",
      details: { user_id: "123" },
    });
    expect(t.users.size).toBe(3);
    expect(t.callNames()).toEqual(["disable", "freeSizes", "getUsers", "enable"]);
  });

  it("reports success once DELETE_USER went through, even when the clean-up after it fails", async () => {
    // Every REFRESHDATA times out: DELETE_USER itself was answered, so the user is gone and the answer is success.
    t.failHook = (name) => (name === "refreshData" ? new CodedError("DEVICE_TIMEOUT", "slow") : undefined);
    const before = t.byUserId("1002")!;
    const { user, snapshot } = await op("users.delete", { user_id: "1002" });
    expect(user.user_id).toBe("1002");
    expect(snapshot.record).toBe(Buffer.from(before.raw).toString("base64"));
    expect(t.byUserId("1002")).toBeUndefined();
    // DELETE_USER was acknowledged: no second read was needed to learn the outcome, and the refresh was tried.
    expect(t.callNames().filter((n) => n === "getUsers")).toHaveLength(1);
    expect(t.callNames()).toContain("refreshData");
    expect(t.enabled).toBe(true);
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

  it("refuses (RESTORE_CONFLICT, who holds it) when someone else took the uid, and changes nothing", async () => {
    const { snapshot } = await op("users.delete", { user_id: "1002" });
    t.addUser({ uid: 2, userId: "9999", name: "New" });
    const before = t.templates.length;
    await expect(op("users.restore", { snapshot })).rejects.toMatchObject({
      code: "RESTORE_CONFLICT",
      details: { held_by: { uid: 2, user_id: "9999", name: "New" } },
    });
    expect(t.byUserId("1002")).toBeUndefined();
    expect(t.templates.length).toBe(before);
    expect(t.enabled).toBe(true);
  });

  it("refuses to duplicate a user_id that was re-created under another uid", async () => {
    const { snapshot } = await op("users.delete", { user_id: "1002" });
    t.addUser({ uid: 8, userId: "1002", name: "Bob again" });
    await expect(op("users.restore", { snapshot })).rejects.toMatchObject({ code: "RESTORE_CONFLICT", details: { held_by: { uid: 8 } } });
    expect(t.byUserId("1002")?.name).toBe("Bob again");
    expect(t.enabled).toBe(true);
  });

  it("a restore retried after it already went through changes nothing and reports success", async () => {
    const { snapshot } = await op("users.delete", { user_id: "1002" });
    await op("users.restore", { snapshot });
    const { user, fingers } = await op("users.restore", { snapshot });
    expect(user).toMatchObject({ uid: 2, user_id: "1002" });
    expect(fingers).toBe(2);
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

describe("users.delete when DELETE_USER's answer is lost (the commit point)", () => {
  const timeout = () => new CodedError("DEVICE_TIMEOUT", "Device did not answer CMD_DELETE_USER within 5000 ms");

  it("applied, answer lost: the re-read finds the user gone, so the delete is reported with its snapshot", async () => {
    t.failHook = (name, phase) => (name === "deleteUser" && phase === "after" ? timeout() : undefined);
    const { user, snapshot } = await op("users.delete", { user_id: "1002" });
    expect(user.user_id).toBe("1002");
    expect(snapshot.templates.map((x) => x.finger)).toEqual([0, 6]);
    expect(t.byUserId("1002")).toBeUndefined();
    expect(t.templates.filter((x) => x.uid === 2)).toEqual([]);
  });

  it("not applied: the re-read finds the user, so the original error is reported and nothing changed", async () => {
    t.failHook = (name, phase) => (name === "deleteUser" && phase === "before" ? timeout() : undefined);
    await expect(op("users.delete", { user_id: "1002" })).rejects.toMatchObject({ code: "DEVICE_TIMEOUT", message: expect.stringContaining("CMD_DELETE_USER") });
    expect(t.byUserId("1002")).toBeDefined();
    expect(t.templates.filter((x) => x.uid === 2)).toHaveLength(2);
  });

  it("the re-read fails too: the original code, with the snapshot in the details for the gateway to keep", async () => {
    const before = t.byUserId("1002")!;
    let reads = 0;
    t.failHook = (name, phase) => {
      if (name === "deleteUser" && phase === "after") return timeout();
      if (name === "getUsers" && phase === "before" && ++reads > 1) return new CodedError("DEVICE_TIMEOUT", "still silent");
      return undefined;
    };
    const err = (await op("users.delete", { user_id: "1002" }).catch((e: unknown) => e)) as { code: string; message: string; details: Record<string, unknown> };
    expect(err).toMatchObject({ code: "DEVICE_TIMEOUT", details: { user_id: "1002", outcome: "unknown" } });
    expect(err.message).toContain("unknown");
    const snapshot = OPS["users.delete"].result.shape.snapshot.parse(err.details.snapshot);
    expect(snapshot.record).toBe(Buffer.from(before.raw).toString("base64"));
    expect(snapshot.templates.map((x) => x.finger)).toEqual([0, 6]);
  });

  it("DEVICE_REJECTED is the terminal's no: reported as is, without a re-read", async () => {
    t.failHook = (name, phase) => (name === "deleteUser" && phase === "before" ? new CodedError("DEVICE_REJECTED", "ACK_ERROR") : undefined);
    await expect(op("users.delete", { user_id: "1002" })).rejects.toMatchObject({ code: "DEVICE_REJECTED" });
    expect(t.callNames().filter((n) => n === "getUsers")).toHaveLength(1);
  });

  it("restore: an upload applied whose answer was lost is reported restored; one not applied reports the error", async () => {
    const { snapshot } = await op("users.delete", { user_id: "1002" });
    t.failHook = (name, phase) => (name === "saveUsersWithTemplates" && phase === "before" ? new CodedError("DEVICE_TIMEOUT", "lost") : undefined);
    await expect(op("users.restore", { snapshot })).rejects.toMatchObject({ code: "DEVICE_TIMEOUT" });
    expect(t.byUserId("1002")).toBeUndefined();
    t.failHook = (name, phase) => (name === "saveUsersWithTemplates" && phase === "after" ? new CodedError("DEVICE_TIMEOUT", "lost") : undefined);
    expect(await op("users.restore", { snapshot })).toEqual({ user: snapshot.user, fingers: 2 });
    expect(t.byUserId("1002")?.uid).toBe(2);
  });
});

describe("door.unlock", () => {
  it("sends CMD_UNLOCK with the seconds asked, without disabling the terminal, and answers them", async () => {
    const unlock = vi.spyOn(s, "unlock");
    expect(await op("door.unlock", { seconds: 7 })).toEqual({ seconds: 7 });
    expect(unlock.mock.calls).toEqual([[7]]);
    expect(t.callNames()).toContain("unlock");
    expect(t.callNames()).not.toContain("disable");
  });

  it("a terminal that refuses it: DEVICE_REJECTED, never a success", async () => {
    t.failHook = (name) => (name === "unlock" ? new CodedError("DEVICE_REJECTED", "Device rejected CMD_UNLOCK with CMD_ACK_ERROR") : undefined);
    expect(await codeOf(op("door.unlock", { seconds: 3 }))).toBe("DEVICE_REJECTED");
  });
});

describe("writes the gateway gave up on are not sent", () => {
  const writes: Array<[OpName, string, () => unknown]> = [
    ["users.delete", "deleteUser", () => ({ user_id: "1002" })],
    ["users.create", "setUserRaw", () => ({ user_id: "4000" })],
    ["users.update", "setUserRaw", () => ({ user_id: "1001", name: "X" })],
    ["time.sync", "setTime", () => ({ time: "2030-01-01 00:00:00" })],
    ["door.unlock", "unlock", () => ({ seconds: 3 })],
  ];

  it.each(writes)("%s: RELAY_TIMEOUT before %s when the deadline is within one device timeout + 2 s", async (name, command, args) => {
    const late: OpContext = { ...ctx, deadline: Date.now() + 6000, writeMarginMs: 7000 };
    const p = runOp(name, s, OPS[name].args.parse(args()) as never, late);
    await expect(p).rejects.toMatchObject({ code: "RELAY_TIMEOUT", message: expect.stringContaining("nothing was changed") });
    expect(t.callNames()).not.toContain(command);
    expect(t.enabled).toBe(true);
    expect(t.users.size).toBe(3);
  });

  it("RELAY_TIMEOUT before the write when the link that carried the request closed (signal aborted)", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(runOp("users.delete", s, { user_id: "1002" }, { ...ctx, signal: ac.signal })).rejects.toMatchObject({ code: "RELAY_TIMEOUT" });
    expect(t.byUserId("1002")).toBeDefined();
  });

  it("restore: RELAY_TIMEOUT before the upload too", async () => {
    const { snapshot } = await op("users.delete", { user_id: "1002" });
    const late: OpContext = { ...ctx, deadline: Date.now() + 1000, writeMarginMs: 7000 };
    await expect(runOp("users.restore", s, { snapshot }, late)).rejects.toMatchObject({ code: "RELAY_TIMEOUT" });
    expect(t.callNames()).not.toContain("saveUsersWithTemplates");
  });

  it("a deadline with room for the write lets it through", async () => {
    const roomy: OpContext = { ...ctx, deadline: Date.now() + 60_000, writeMarginMs: 7000 };
    expect((await runOp("users.delete", s, { user_id: "1002" }, roomy)).user.user_id).toBe("1002");
  });
});

describe("REFRESHDATA: exactly one of the op's own per write", () => {
  it.each([
    ["users.create", () => ({ user_id: "4000" })],
    ["users.update", () => ({ user_id: "1001", name: "X" })],
    ["users.delete", () => ({ user_id: "1002" })],
    ["time.sync", () => ({})],
  ] as Array<[OpName, () => unknown]>)("%s", async (name, args) => {
    await op(name, OPS[name].args.parse(args()) as never);
    expect(t.callNames().filter((n) => n === "refreshData")).toHaveLength(1);
  });

  it("users.restore", async () => {
    const { snapshot } = await op("users.delete", { user_id: "1002" });
    t.calls = [];
    await op("users.restore", { snapshot });
    expect(t.callNames().filter((n) => n === "refreshData")).toHaveLength(1);
  });
});

describe("createDispatcher", () => {
  it("runs ops inside the terminal queue with the pool's session factory", async () => {
    const d = createDispatcher({ sessionFactory: t.factory() });
    const deadline = Date.now() + 10_000; // the write needs one device timeout (5 s) + 2 s before it
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
    expect(d.pool.activeTerminals).toBe(0);
  });

  const dispatch = (d: ReturnType<typeof createDispatcher>, op: OpName, args: unknown) =>
    d.dispatch({ op, device: target(), args: OPS[op].args.parse(args), deadline: Date.now() + 30_000 });

  it("a burst of queued deletes disables once, reads the user table once and enables once, after the last", async () => {
    for (let uid = 10; uid < 13; uid++) t.addUser({ uid, userId: String(3000 + uid) });
    const d = createDispatcher({ sessionFactory: t.factory() });
    const ids = ["1001", "1002", "1005", "3010", "3011"];
    const results = await Promise.all(ids.map((user_id) => dispatch(d, "users.delete", { user_id })));
    expect(results.map((r) => (r as { user: { user_id: string } }).user.user_id)).toEqual(ids);
    await d.pool.idle();
    const names = t.callNames();
    expect(names.filter((n) => n === "disable")).toHaveLength(1);
    expect(names.filter((n) => n === "getUsers")).toHaveLength(1);
    // The template table once for the whole burst (its cost is shared by five deletes); GET_FREE_SIZES at most once
    // per delete: the count changes with each DELETE_USER, and a delete that looked after its own DELETE_USER
    // (two or more templates) hands that fresh count to the next.
    expect(names.filter((n) => n === "getTemplates")).toHaveLength(1);
    expect(names.filter((n) => n === "getTemplate")).toHaveLength(0);
    expect(names.filter((n) => n === "freeSizes").length).toBeLessThanOrEqual(ids.length);
    expect(names.filter((n) => n === "deleteUser")).toHaveLength(5);
    // One REFRESHDATA for the whole burst, by the last delete, before the ENABLE (the terminal was disabled throughout).
    expect(names.filter((n) => n === "refreshData")).toHaveLength(1);
    expect(names.lastIndexOf("refreshData")).toBeGreaterThan(names.lastIndexOf("deleteUser"));
    expect(names.lastIndexOf("refreshData")).toBeLessThan(names.lastIndexOf("enable"));
    expect(names.filter((n) => n === "enable")).toHaveLength(1);
    expect(names.lastIndexOf("enable")).toBeGreaterThan(names.lastIndexOf("deleteUser"));
    expect(t.userList().map((u) => u.userId)).toEqual(["3012"]);
    expect(t.enabled).toBe(true);
  });

  it("a REFRESHDATA left to the burst's end is still sent before ENABLE when the write queued behind fails", async () => {
    const d = createDispatcher({ sessionFactory: t.factory() });
    const [first, second] = await Promise.allSettled([
      dispatch(d, "users.delete", { user_id: "1001" }),
      dispatch(d, "users.delete", { user_id: "no-such-user" }),
    ]);
    expect(first.status).toBe("fulfilled");
    expect(second).toMatchObject({ status: "rejected", reason: { code: "USER_NOT_FOUND" } });
    await d.pool.idle();
    const names = t.callNames();
    expect(names.filter((n) => n === "refreshData")).toHaveLength(1);
    expect(names.lastIndexOf("refreshData")).toBeGreaterThan(names.indexOf("deleteUser"));
    expect(names.lastIndexOf("refreshData")).toBeLessThan(names.lastIndexOf("enable"));
    expect(t.enabled).toBe(true);
  });

  it("in a burst, a read runs enabled and another write re-reads the table after a write of another kind", async () => {
    const d = createDispatcher({ sessionFactory: t.factory() });
    const [, list, , again] = await Promise.all([
      dispatch(d, "users.delete", { user_id: "1001" }),
      dispatch(d, "users.list", {}),
      dispatch(d, "users.create", { user_id: "1001", name: "Ana again" }),
      dispatch(d, "users.delete", { user_id: "1001" }),
    ]);
    expect((list as { users: Array<{ user_id: string }> }).users.map((u) => u.user_id)).toEqual(["1002", "1005"]);
    // The second delete found the user the create wrote (at uid 6), not a stale table.
    expect((again as { user: { uid: number; name: string } }).user).toMatchObject({ uid: 6, name: "Ana again" });
    await d.pool.idle();
    expect(t.callNames().filter((n) => ["disable", "enable", "getUsers", "setUserRaw", "deleteUser"].includes(n))).toEqual([
      "disable", "getUsers", "deleteUser", "enable", // the list must not run behind "Working…"
      "getUsers",
      "disable", "getUsers", "setUserRaw",
      "getUsers", "deleteUser", "enable",
    ]);
    expect(t.userList().map((u) => u.userId)).toEqual(["1002", "1005"]);
    expect(t.enabled).toBe(true);
  });
});
