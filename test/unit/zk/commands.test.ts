// Command payloads (docs/protocol.md §5, §7, §8–§12) against bytes typed from the reference.
import { describe, expect, test } from "vitest";
import * as c from "../../../agent/zk/codec";
import { ascii, hex } from "./hex";

describe("bulk-read payloads (§7)", () => {
  test.each([
    ["users", c.CMD.userTempRrq, c.FCT.user, "01 09 00 05 00 00 00 00 00 00 00"],
    ["attendance", c.CMD.attLogRrq, 0, "01 0d 00 00 00 00 00 00 00 00 00"],
    ["templates", c.CMD.dbRrq, c.FCT.fingerTmp, "01 07 00 02 00 00 00 00 00 00 00"],
  ])("PREPARE_BUFFER %s", (_n, cmd, fct, want) => {
    expect(c.prepareBufferPayload(cmd, fct)).toEqual(hex(want));
    expect(c.parsePrepareBuffer(hex(want))).toEqual({ command: cmd, fct, ext: 0 });
  });
  test("buffered ACK: 72004 (§13) and the real 5044 capture (§7.2)", () => {
    expect(c.parseBufferAck(hex("00 44 19 01 00 44 19 01 00 00 00 00 00"))).toEqual({ size: 72004 });
    expect(c.parseBufferAck(hex("00 b4 13 00 00 b4 13 00 00 cd ef 23 00"))).toEqual({ size: 5044 });
    expect(c.bufferAckPayload(72004)).toEqual(hex("00 44 19 01 00 44 19 01 00 00 00 00 00"));
  });
  test("READ_BUFFER 0, 65472 and PREPARE_DATA 65472/65528", () => {
    expect(c.readBufferPayload(0, 65472)).toEqual(hex("00 00 00 00 c0 ff 00 00"));
    expect(c.parseReadBuffer(hex("00 00 00 00 c0 ff 00 00"))).toEqual({ start: 0, size: 65472 });
    expect(c.prepareDataPayload(65472, 0xfff8)).toEqual(hex("c0 ff 00 00 f8 ff 00 00"));
    expect(c.parsePrepareData(hex("c0 ff 00 00 f8 ff 00 00"))).toEqual({ size: 65472, second: 0xfff8 });
    expect(c.parsePrepareData(hex("dc 04 00 00"))).toEqual({ size: 1244, second: 0 });
  });
  test("truncated payloads are refused", () => {
    expect(() => c.parseBufferAck(hex("00 44 19"))).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
    expect(() => c.parseReadBuffer(hex("00 00 00 00"))).toThrow();
  });
});

describe("options (§5.2)", () => {
  test("read request and reply", () => {
    expect(c.optionReadPayload("~SerialNumber")).toEqual(hex(ascii("~SerialNumber") + " 00"));
    expect(c.parseOptionReply(hex(ascii("~SerialNumber=SIM0001") + " 00"))).toEqual({ name: "~SerialNumber", value: "SIM0001" });
  });
  test("names with and without NUL; values holding '='; write without NUL", () => {
    expect(c.parseOptionRead(hex(ascii("~Platform")))).toBe("~Platform");
    expect(c.parseOptionRead(hex(ascii("~Platform") + " 00"))).toBe("~Platform");
    expect(c.parseOptionReply(hex(ascii("A=b=c") + " 00 ff"))).toEqual({ name: "A", value: "b=c" });
    expect(c.parseOptionWrite(hex(ascii("SDKBuild=1")))).toEqual({ name: "SDKBuild", value: "1" });
    expect(c.optionWritePayload("SDKBuild", "1")).toEqual(hex(ascii("SDKBuild=1") + " 00"));
    expect(() => c.parseOptionReply(hex(ascii("nothing")))).toThrow(/without '='/);
  });
  test("version string is cut at the NUL", () => {
    expect(c.parseVersion(hex(ascii("Ver 6.60 Apr 26 2016") + " 00 41"))).toBe("Ver 6.60 Apr 26 2016");
  });
});

describe("user, template, enroll and misc payloads", () => {
  test("DELETE_USER uid 7, and zkteco-js's 72-byte form", () => {
    expect(c.deleteUserPayload(7)).toEqual(hex("07 00"));
    const js = new Uint8Array(72);
    js[0] = 7;
    expect(c.parseDeleteUser(js)).toBe(7);
  });
  test("GET_USERTEMP / DELETE_USERTEMP <h b>", () => {
    expect(c.userTempPayload(14, 4)).toEqual(hex("0e 00 04"));
    expect(c.parseUserTemp(hex("0e 00 04"))).toEqual({ uid: 14, finger: 4 });
  });
  test("_CMD_DEL_USER_TEMP: 24-byte user_id + finger", () => {
    expect(c.delUserTempByIdPayload("A1007", 2)).toEqual(hex(ascii("A1007") + " 00".repeat(19) + " 02"));
  });
  test("STARTENROLL TCP <24s b b> and UDP <I b>", () => {
    expect(c.startEnrollPayload("A1007", 3, "tcp")).toEqual(hex(ascii("A1007") + " 00".repeat(19) + " 03 01"));
    expect(c.startEnrollPayload("1005", 3, "udp")).toEqual(hex("ed 03 00 00 03"));
    expect(c.parseStartEnroll(hex(ascii("A1007") + " 00".repeat(19) + " 03 01"))).toEqual({ userId: "A1007", finger: 3 });
    expect(c.parseStartEnroll(hex("ed 03 00 00 03"))).toEqual({ userId: "1005", finger: 3 });
    expect(() => c.startEnrollPayload("A1007", 3, "udp")).toThrowError(expect.objectContaining({ code: "VALIDATION_FAILED" }));
  });
  test("REG_EVENT, UNLOCK 3 s, TESTVOICE 0, SET_TIME, SAVE_USERTEMPS, PINWIDTH", () => {
    expect(c.regEventPayload(c.EF.attLog)).toEqual(hex("01 00 00 00"));
    expect(c.regEventPayload(0xffff)).toEqual(hex("ff ff 00 00"));
    expect(c.u32Payload(30)).toEqual(hex("1e 00 00 00"));
    expect(c.u32Payload(0)).toEqual(hex("00 00 00 00"));
    expect(c.parseU32(hex("7a 43 5f 2e 00 00 00 00"))).toBe(777_995_130);
    expect(c.saveUserTempsPayload()).toEqual(hex("0c 00 00 00 00 00 08 00"));
    expect(c.pinWidthPayload()).toEqual(hex("20 50"));
  });
  test("success replies: 2000, 1500, 1501 only (§3.2)", () => {
    expect([2000, 1500, 1501, 2001, 2005, 0xffff].map(c.isSuccessReply)).toEqual([true, true, true, false, false, false]);
  });
});
