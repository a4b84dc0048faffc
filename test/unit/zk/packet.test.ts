// Every row of the docs/protocol.md §13 worked-examples table: decode, encode from the fields, round trip.
import { describe, expect, test } from "vitest";
import { decodePacket, encodePacket, frameTcp, nextReplyId, TcpUnframer } from "../../../agent/zk/codec";
import { ascii, hex, zeros } from "./hex";

const USER72_BOB =
  "07 00 00 39 38 37 36 00 00 00 00 42 6f 62 20 53 6d 69 74 68 00 00 00 00 00 00 00 00 00 00 00 00" +
  " 00 00 00 a0 af 9b 00 01 00 00 00 00 00 00 00 00 41 31 30 30 37 00 00 00 00 00 00 00 00 00 00 00" +
  " 00 00 00 00 00 00 00 00";

// [what, packet hex, command, session, reply id, payload length]
const ROWS: [string, string, number, number, number, number][] = [
  ["CMD_CONNECT (reply 0)", "e8 03 17 fc 00 00 00 00", 1000, 0, 0, 0],
  ["CMD_CONNECT as node-zklib sends it (reply 1)", "e8 03 16 fc 00 00 01 00", 1000, 0, 1, 0],
  ["ACK_OK reply, session 0x45CF", "d0 07 60 b2 cf 45 00 00", 2000, 0x45cf, 0, 0],
  ["ACK_OK pyzk mock, session 0xFB2F", "d0 07 ff fc 2f fb 00 00", 2000, 0xfb2f, 0, 0],
  ["ACK_UNAUTH (pyzk mock)", "d5 07 5b b2 cf 45 00 00", 2005, 0x45cf, 0, 0],
  ["CMD_AUTH key 123456", "4e 04 88 7a cf 45 01 00 26 7f 32 bc", 1102, 0x45cf, 1, 4],
  ["CMD_AUTH key 45 (real pyzk)", "4e 04 4d b0 cf 45 01 00 61 c9 32 3c", 1102, 0x45cf, 1, 4],
  ["ACK_OK to AUTH", "d0 07 5f b2 cf 45 01 00", 2000, 0x45cf, 1, 0],
  ["CMD_DISABLEDEVICE", "eb 03 43 b6 cf 45 02 00", 1003, 0x45cf, 2, 0],
  ["CMD_GET_FREE_SIZES", "32 00 fb b9 cf 45 03 00", 50, 0x45cf, 3, 0],
  ["OPTIONS_RRQ ~SerialNumber", "0b 00 1e 71 cf 45 04 00" + ascii("~SerialNumber") + " 00", 11, 0x45cf, 4, 14],
  ["reply ~SerialNumber=SIM0001", "d0 07 57 82 cf 45 04 00" + ascii("~SerialNumber=SIM0001") + " 00", 2000, 0x45cf, 4, 22],
  ["GET_VERSION", "4c 04 d2 b5 cf 45 12 00", 1100, 0x45cf, 0x12, 0],
  ["GET_VERSION reply", "d0 07 cf 61 cf 45 12 00" + ascii("Ver 6.60 Apr 26 2016") + " 00", 2000, 0x45cf, 0x12, 21],
  ["GET_TIME", "c9 00 62 b9 cf 45 05 00", 201, 0x45cf, 5, 0],
  ["GET_TIME reply", "d0 07 82 40 cf 45 05 00 7a 43 5f 2e", 2000, 0x45cf, 5, 4],
  ["SET_TIME", "ca 00 87 47 cf 45 06 00 7a 43 5f 2e", 202, 0x45cf, 6, 4],
  ["PREPARE_BUFFER users", "df 05 49 a6 cf 45 07 00 01 09 00 05 00 00 00 00 00 00 00", 1503, 0x45cf, 7, 11],
  ["PREPARE_BUFFER attendance", "df 05 49 a7 cf 45 07 00 01 0d 00 00 00 00 00 00 00 00 00", 1503, 0x45cf, 7, 11],
  ["PREPARE_BUFFER templates", "df 05 49 ab cf 45 07 00 01 07 00 02 00 00 00 00 00 00 00", 1503, 0x45cf, 7, 11],
  ["ACK_OK buffered 72004", "d0 07 27 28 cf 45 07 00 00 44 19 01 00 44 19 01 00 00 00 00 00", 2000, 0x45cf, 7, 13],
  ["READ_BUFFER 0, 65472", "e0 05 87 b4 cf 45 08 00 00 00 00 00 c0 ff 00 00", 1504, 0x45cf, 8, 8],
  ["PREPARE_DATA 65472", "dc 05 92 b4 cf 45 08 00 c0 ff 00 00 f8 ff 00 00", 1500, 0x45cf, 8, 8],
  ["FREE_DATA", "de 05 48 b4 cf 45 0a 00", 1502, 0x45cf, 10, 0],
  ["USER_WRQ 28-byte (Alice)", "08 00 65 9e cf 45 0b 00 05 00 0e 31 32 33 34 00 41 6c 69 63 65 00 00 00 40 e2 01 00 00 01 00 00 ed 03 00 00", 8, 0x45cf, 11, 28],
  ["USER_WRQ 72-byte (Bob)", "08 00 dd e1 cf 45 0b 00 " + USER72_BOB, 8, 0x45cf, 11, 72],
  ["DELETE_USER uid 7", "12 00 0b ba cf 45 0c 00 07 00", 18, 0x45cf, 12, 2],
  ["REFRESHDATA", "f5 03 2e b6 cf 45 0d 00", 1013, 0x45cf, 13, 0],
  ["REG_EVENT EF_ATTLOG", "f4 01 2d b8 cf 45 0e 00 01 00 00 00", 500, 0x45cf, 14, 4],
  ["EF_ATTLOG event 32-byte", "f4 01 38 86 01 00 00 00" + ascii("A1007") + zeros(19) + " 01 00 18 03 0f 08 02 0b", 500, 1, 0, 32],
  ["client ACK of that event", "d0 07 60 b2 cf 45 00 00", 2000, 0x45cf, 0, 0],
  ["UNLOCK 3 s", "1f 00 e4 b9 cf 45 0f 00 1e 00 00 00", 31, 0x45cf, 15, 4],
  ["TESTVOICE 0", "f9 03 27 b6 cf 45 10 00 00 00 00 00", 1017, 0x45cf, 16, 4],
  ["GET_PINWIDTH", "45 00 ba 69 cf 45 11 00 20 50", 69, 0x45cf, 17, 2],
  ["EXIT (reply 9)", "e9 03 3e b6 cf 45 09 00", 1001, 0x45cf, 9, 0],
  ["pyzk mock exit", "e9 03 e6 00 2f fb 01 00", 1001, 0xfb2f, 1, 0],
];

describe("§13 worked examples", () => {
  test.each(ROWS)("%s", (_what, packetHex, command, sessionId, replyId, payloadLength) => {
    const bytes = hex(packetHex);
    const p = decodePacket(bytes);
    expect(p).toMatchObject({ command, sessionId, replyId, checksumOk: true });
    expect(p.payload.length).toBe(payloadLength);
    expect(p.checksum).toBe(bytes[2]! | (bytes[3]! << 8));
    // Encode from the decoded fields alone: must give the reference bytes back.
    expect(encodePacket({ command, sessionId, replyId, payload: p.payload })).toEqual(bytes);
  });

  test("TCP forms: CONNECT (pyzk's real first frame) and node-zklib's", () => {
    expect(frameTcp(hex("e8 03 17 fc 00 00 00 00"))).toEqual(hex("50 50 82 7d 08 00 00 00 e8 03 17 fc 00 00 00 00"));
    const frames = new TcpUnframer().push(hex("50 50 82 7d 08 00 00 00 e8 03 16 fc 00 00 01 00"));
    expect(frames).toHaveLength(1);
    expect(decodePacket(frames[0]!)).toMatchObject({ command: 1000, replyId: 1, checksumOk: true });
  });

  test("the event's TCP length is 0x28", () => {
    const event = hex("f4 01 38 86 01 00 00 00" + ascii("A1007") + zeros(19) + " 01 00 18 03 0f 08 02 0b");
    expect(frameTcp(event).subarray(0, 8)).toEqual(hex("50 50 82 7d 28 00 00 00"));
  });

  test("state reply (§5.4) carries the state in the session field", () => {
    const [packet] = new TcpUnframer().push(hex("50 50 82 7d 08 00 00 00 d0 07 f6 f7 02 00 37 00"));
    expect(decodePacket(packet!)).toMatchObject({ command: 2000, sessionId: 2, replyId: 0x37, checksumOk: true });
  });
});

describe("decodePacket edge cases", () => {
  test("fewer than 8 bytes throws PROTOCOL_ERROR", () => {
    expect(() => decodePacket(hex("d0 07 60 b2 cf 45 00"))).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
  });
  test("a flipped payload bit is caught by the checksum", () => {
    const bytes = hex("d0 07 82 40 cf 45 05 00 7a 43 5f 2e");
    bytes[9] ^= 0x01;
    expect(decodePacket(bytes).checksumOk).toBe(false);
  });
  test("reply ids wrap mod 65535 (§2.4)", () => {
    expect(nextReplyId(0)).toBe(1);
    expect(nextReplyId(65533)).toBe(65534);
    expect(nextReplyId(65534)).toBe(0);
  });
});
