// Simulator commands over real sockets with the reference bytes of docs/protocol.md §5, §6, §8, §12 and §13.
import { describe, expect, it } from "vitest";
import { hex, rawSimulators, request, toHex, type RawTcp } from "./sim-helpers";

const DISABLE = hex("eb 03 43 b6 cf 45 02 00"); // §13 reply 2
const ENABLE_NO_TIMEOUT = request(1002, 40);
const FREE_SIZES = hex("32 00 fb b9 cf 45 03 00");
const SERIAL = hex("0b 00 1e 71 cf 45 04 00 7e 53 65 72 69 61 6c 4e 75 6d 62 65 72 00");
const SERIAL_REPLY = "d0 07 57 82 cf 45 04 00 7e 53 65 72 69 61 6c 4e 75 6d 62 65 72 3d 53 49 4d 30 30 30 31 00";
const GET_VERSION = hex("4c 04 d2 b5 cf 45 12 00");
const VERSION_REPLY = "d0 07 cf 61 cf 45 12 00 56 65 72 20 36 2e 36 30 20 41 70 72 20 32 36 20 32 30 31 36 00";
const GET_TIME = hex("c9 00 62 b9 cf 45 05 00");
const SET_TIME = hex("ca 00 87 47 cf 45 06 00 7a 43 5f 2e"); // 2024-03-15 13:45:30
const PIN_WIDTH = hex("45 00 ba 69 cf 45 11 00 20 50");
const REFRESH = hex("f5 03 2e b6 cf 45 0d 00");
const REG_EVENT = hex("f4 01 2d b8 cf 45 0e 00 01 00 00 00");
const UNLOCK = hex("1f 00 e4 b9 cf 45 0f 00 1e 00 00 00");
const TEST_VOICE = hex("f9 03 27 b6 cf 45 10 00 00 00 00 00");
const FREE_DATA = hex("de 05 48 b4 cf 45 0a 00");
const DELETE_UID_7 = hex("12 00 0b ba cf 45 0c 00 07 00");
// §8.6: uid 7, "9876", "Bob Smith", card 10203040, group 1, user_id "A1007".
const BOB_72 = hex(`07 00 00 39 38 37 36 00 00 00 00 42 6f 62 20 53 6d 69 74 68 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 a0 af 9b 00 01 00 00 00 00 00 00 00 00 41 31 30 30 37 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00`);
const USER_WRQ_BOB = new Uint8Array([...hex("08 00 dd e1 cf 45 0b 00"), ...BOB_72]);
// §13: 28-byte record of §8.6 (uid 5, admin, "1234", "Alice", card 123456, group 1, user_id 1005).
const USER_WRQ_ALICE = hex("08 00 65 9e cf 45 0b 00 05 00 0e 31 32 33 34 00 41 6c 69 63 65 00 00 00 40 e2 01 00 00 01 00 00 ed 03 00 00");

const { connected } = rawSimulators({ users: 3, records: 5, templates: 2 });

describe("device information (§5)", () => {
  it("GET_VERSION and ~SerialNumber answer exactly the §13 replies", async () => {
    const { c } = await connected();
    c.send(GET_VERSION);
    expect(toHex(await c.nextRaw())).toBe(VERSION_REPLY);
    c.send(SERIAL);
    expect(toHex(await c.nextRaw())).toBe(SERIAL_REPLY);
  });

  it("reads option names without the NUL (zkteco-js) and answers ACK_ERROR for unknown names", async () => {
    const { c } = await connected({}, "udp");
    c.send(request(11, 50, new TextEncoder().encode("~Platform")));
    const r = await c.next();
    expect(new TextDecoder().decode(r.payload)).toBe("~Platform=ZMM220_TFT\0");
    c.send(request(11, 51, new TextEncoder().encode("NoSuchOption\0")));
    expect((await c.next()).command).toBe(2001);
  });

  it("answers every option name of the §5.2 table", async () => {
    const { c } = await connected({}, "udp");
    const names = ["~SerialNumber", "~Platform", "~DeviceName", "MAC", "~ZKFPVersion", "ZKFaceVersion", "~ExtendFmt",
      "~UserExtFmt", "FaceFunOn", "CompatOldFirmware", "IPAddress", "NetMask", "GATEIPAddress", "~OS", "~OEMVendor",
      "~ProductTime", "WorkCode", "~PIN2Width", "~SSR", "ExtendOPLog"];
    names.forEach((n, i) => c.send(request(11, 100 + i, new TextEncoder().encode(`${n}\0`))));
    for (const n of names) {
      const r = await c.next();
      expect(r.command, n).toBe(2000);
      expect(new TextDecoder().decode(r.payload).startsWith(`${n}=`)).toBe(true);
      expect(r.payload.length).toBeLessThanOrEqual(1016);
    }
  });

  it("stores an option write with or without NUL (pyzk's SDKBuild=1)", async () => {
    const { s, c } = await connected();
    c.send(request(12, 60, new TextEncoder().encode("SDKBuild=1")));
    const r = await c.nextRaw();
    expect(r.length).toBe(8);
    expect(s.state.option("SDKBuild")).toBe("1");
  });

  it("GET_PINWIDTH returns exactly one payload byte, 9 (§5.3)", async () => {
    const { c } = await connected();
    c.send(PIN_WIDTH);
    const r = await c.nextRaw();
    expect(r.length).toBe(9);
    expect(r[8]).toBe(9);
    expect(r[6]).toBe(0x11);
  });

  it("GET_FREE_SIZES counts equal the stored data (§5.5)", async () => {
    const { s, c } = await connected({ users: 17, records: 123, templates: 9 });
    c.send(FREE_SIZES);
    const p = (await c.next()).payload;
    const v = new DataView(p.buffer, p.byteOffset);
    expect([v.getUint32(16, true), v.getUint32(24, true), v.getUint32(32, true)]).toEqual([17, 9, 123]);
    expect(s.state.users().length).toBe(17);
    expect(v.getUint32(72, true)).toBe(v.getUint32(60, true) - 17); // users remaining = cap - users
  });

  it("CMD_STATE_RRQ carries the state in the session field (§5.4)", async () => {
    const { c } = await connected();
    c.send(request(64, 70));
    const r = await c.next();
    expect([r.command, r.sessionId, r.payload.length]).toEqual([2000, 0, 0]);
  });
});

describe("simple acknowledgements carry no payload (§1.3, §14 item 4)", () => {
  it.each([
    ["DISABLEDEVICE", DISABLE],
    ["REFRESHDATA", REFRESH],
    ["REG_EVENT", REG_EVENT],
    ["UNLOCK", UNLOCK],
    ["TESTVOICE", TEST_VOICE],
    ["FREE_DATA", FREE_DATA],
  ])("%s → bare 8-byte ACK_OK echoing the reply id", async (_name, packet) => {
    const { c } = await connected();
    c.send(packet);
    const r = await c.nextRaw();
    expect(r.length).toBe(8);
    expect(toHex(r.subarray(0, 2))).toBe("d0 07");
    expect(toHex(r.subarray(6, 8))).toBe(toHex(packet.subarray(6, 8)));
  });

  it("UNLOCK releases the door strike for the u32 in tenths of a second (pyzk's 3 s = 30); a short payload is ACK_ERROR", async () => {
    const { c, s } = await connected();
    expect(s.state.doorOpen).toBe(false);
    c.send(UNLOCK);
    expect((await c.nextRaw()).length).toBe(8);
    expect(s.state.unlocks.map((u) => u.tenths)).toEqual([30]);
    expect(s.state.doorOpen).toBe(true);
    expect(s.state.doorOpenUntil - s.state.unlocks[0]!.at).toBe(3000);
    c.send(request(31, 81, Uint8Array.of(1, 0)));
    expect((await c.next()).command).toBe(2001);
    expect(s.state.unlocks).toHaveLength(1);
  });

  it("accepts zkteco-js's 2-byte TESTVOICE payload", async () => {
    const { c } = await connected();
    c.send(request(1017, 80, Uint8Array.of(0, 0)));
    expect((await c.nextRaw()).length).toBe(8);
  });
});

describe("time (§6)", () => {
  it("SET_TIME then GET_TIME gives the §13 reply (or the next second)", async () => {
    const { c } = await connected();
    c.send(SET_TIME);
    expect((await c.nextRaw()).length).toBe(8);
    c.send(GET_TIME);
    const r = await c.nextRaw();
    const same = "d0 07 82 40 cf 45 05 00 7a 43 5f 2e";
    if (toHex(r) !== same) expect(toHex(r.subarray(8))).toBe("7b 43 5f 2e"); // 13:45:31
  });

  it("accepts zkteco-js's 32-byte SET_TIME and rejects an impossible date", async () => {
    const { s, c } = await connected();
    const p = new Uint8Array(32);
    p.set(hex("7a 43 5f 2e"));
    c.send(request(202, 90, p));
    expect((await c.next()).command).toBe(2000);
    expect(s.state.time()).toMatchObject({ year: 2024, month: 3, day: 15, hour: 13 });
    // 30 Feb 2024 00:00:00: ((24*12 + 1)*31 + 29) * 86400
    const bad = new Uint8Array(4);
    new DataView(bad.buffer).setUint32(0, ((24 * 12 + 1) * 31 + 29) * 86400, true);
    c.send(request(202, 91, bad));
    expect((await c.next()).command).toBe(2001);
  });
});

describe("enabled state (§4.4)", () => {
  it("DISABLEDEVICE locks the terminal: no punches until ENABLEDEVICE", async () => {
    const { s, c } = await connected();
    c.send(DISABLE);
    await c.next();
    expect(s.state.enabled).toBe(false);
    expect(s.emitAttendance()).toBeUndefined();
    c.send(ENABLE_NO_TIMEOUT);
    await c.next();
    expect(s.state.enabled).toBe(true);
    expect(s.emitAttendance()).toBeDefined();
  });

  it("re-enables itself after the u32 timeout of DISABLEDEVICE", async () => {
    const { s, c } = await connected();
    c.send(request(1003, 41, hex("01 00 00 00")));
    await c.next();
    expect(s.state.enabled).toBe(false);
    // Polled, not slept: under load the 1 s timer may fire late, and that is not what this test is about.
    await expect.poll(() => s.state.enabled, { timeout: 10_000, interval: 50 }).toBe(true);
  });

  it("stays disabled when the client vanishes, unless autoReenableOnDisconnect", async () => {
    for (const auto of [false, true]) {
      const { s, c } = await connected({ autoReenableOnDisconnect: auto });
      c.send(DISABLE);
      await c.next();
      c.close();
      await expect.poll(() => s.state.sessions, { timeout: 10_000, interval: 20 }).toBe(0);
      expect(s.state.enabled).toBe(auto);
    }
  });
});

describe("users (§8.8, §8.9)", () => {
  it("stores the §8.6 72-byte record verbatim and deletes it by uid", async () => {
    const { s, c } = await connected({ users: 0, templates: 0 });
    c.send(USER_WRQ_BOB);
    expect((await c.nextRaw()).length).toBe(8);
    const [bob] = s.state.users();
    expect(bob).toMatchObject({ uid: 7, userId: "A1007", name: "Bob Smith", password: "9876", card: 10203040, group: 1 });
    expect(toHex(bob!.raw)).toBe(toHex(BOB_72));
    c.send(DELETE_UID_7);
    expect((await c.next()).command).toBe(2000);
    expect(s.state.users()).toEqual([]);
    c.send(DELETE_UID_7);
    expect((await c.next()).command).toBe(2001);
  });

  it("zk6 stores the 28-byte record of §13; tft reads those 28 bytes in its own 72-byte layout, as firmware would", async () => {
    const zk6 = await connected({ users: 0, templates: 0, profile: "zk6" }, "udp");
    zk6.c.send(USER_WRQ_ALICE);
    await zk6.c.next();
    const [alice] = zk6.s.state.users();
    expect(alice).toMatchObject({ uid: 5, userId: "1005", name: "Alice", privilege: 14, card: 123456, format: 28 });
    const tft = await connected({ users: 0, templates: 0 });
    tft.c.send(USER_WRQ_ALICE);
    expect((await tft.c.next()).command).toBe(2000);
    // Not converted: the name field starts at byte 11 ("ce" of "Alice"), the user_id at 48 lies past the 28 bytes sent.
    const [misread] = tft.s.state.users();
    expect(misread).toMatchObject({ uid: 5, userId: "", name: "ce", card: 0, format: 72 });
    expect([...misread!.raw.subarray(0, 28)]).toEqual([...USER_WRQ_ALICE.subarray(8)]);
    expect(misread!.raw.subarray(28).every((b) => b === 0)).toBe(true);
  });

  it("a 72-byte record on a zk6 terminal: its first 28 bytes, read in the 28-byte layout (name bytes become the card)", async () => {
    const { s, c } = await connected({ users: 0, templates: 0, profile: "zk6" }, "udp");
    c.send(USER_WRQ_BOB);
    expect((await c.next()).command).toBe(2000);
    const [misread] = s.state.users();
    // Bytes 16-19 are "mith" of "Bob Smith"; the user_id at 24-27 is zero padding of the 72-byte name.
    expect(misread).toMatchObject({ uid: 7, userId: "0", name: "", card: 0x6874696d, format: 28 });
    expect([...misread!.raw]).toEqual([...BOB_72.subarray(0, 28)]);
  });

  it("upserts by uid, and applies the duplicate user_id policy", async () => {
    const allow = await connected({ users: 0, templates: 0 });
    allow.c.send(USER_WRQ_BOB);
    await allow.c.next();
    const other = BOB_72.slice();
    other[0] = 8; // uid 8, same user_id A1007
    allow.c.send(request(8, 12, other));
    expect((await allow.c.next()).command).toBe(2000);
    expect(allow.s.state.users().map((u) => u.uid)).toEqual([7, 8]);
    allow.c.send(request(8, 13, BOB_72)); // same uid again → overwrite, still 2 users
    await allow.c.next();
    expect(allow.s.state.users()).toHaveLength(2);

    const reject = await connected({ users: 0, templates: 0, duplicateUserIdPolicy: "reject" });
    reject.c.send(USER_WRQ_BOB);
    await reject.c.next();
    reject.c.send(request(8, 12, other));
    expect((await reject.c.next()).command).toBe(2001);
  });

  it("DELETE_USER reads the uid from zkteco-js's 72-byte payload and removes the user's templates", async () => {
    const { s, c } = await connected({ users: 3, templates: 3 });
    const uid = s.state.users()[0]!.uid;
    expect(s.state.templates().some((t) => t.uid === uid)).toBe(true);
    const p = new Uint8Array(72);
    p[0] = uid;
    c.send(request(18, 14, p));
    expect((await c.next()).command).toBe(2000);
    expect(s.state.users().map((u) => u.uid)).not.toContain(uid);
    expect(s.state.templates().some((t) => t.uid === uid)).toBe(false);
  });

  it("RESTART acknowledges, then closes the TCP connection (§12)", async () => {
    const { c } = await connected();
    c.send(request(1004, 15));
    expect((await c.nextRaw()).length).toBe(8);
    expect(await (c as RawTcp).closedWithin(1000)).toBe(true);
  });

  it("CLEAR_ATTLOG and CLEAR_DATA empty the tables", async () => {
    const { s, c } = await connected({ users: 4, records: 20, templates: 3 });
    c.send(request(15, 16));
    await c.next();
    expect(s.state.attendance()).toEqual([]);
    expect(s.state.users()).toHaveLength(4);
    c.send(request(14, 17));
    await c.next();
    expect([s.state.users().length, s.state.templates().length]).toEqual([0, 0]);
  });
});
