// ZkClient without sockets: writes leave REFRESHDATA to the caller, bad input always rejects, uids are never shown as badge numbers.
import { describe, expect, test } from "vitest";
import { ZkClient } from "../../../agent/zk/client/zk-client";
import { ZkConnection } from "../../../agent/zk/client/connection";
import { fillIdentifiers } from "../../../agent/zk/client/tables";
import type { TransportHandlers, ZkTransport } from "../../../agent/zk/client/transport";
import { CMD, decodePacket, decodeUser72, encodePacket, encodeUser72, type DecodedPacket } from "../../../agent/zk/codec";
import type { ZkAttendance } from "../../../agent/zk/types";

/** A terminal that says ACK_OK to everything at once, and remembers what it was sent. */
class AgreeingTransport implements ZkTransport {
  readonly kind = "tcp" as const;
  closed = false;
  sent: DecodedPacket[] = [];
  private handlers!: TransportHandlers;
  attach(h: TransportHandlers) {
    this.handlers = h;
  }
  send(bytes: Uint8Array) {
    const req = decodePacket(bytes);
    this.sent.push(req);
    if (req.command === 2000) return; // an event ACK gets no answer
    queueMicrotask(() => this.handlers.packet(encodePacket({ command: 2000, sessionId: 0x45cf, replyId: req.replyId, payload: new Uint8Array(0) })));
  }
  async close() {
    this.closed = true;
    this.handlers.close();
  }
  commands(): number[] {
    return this.sent.map((p) => p.command);
  }
}

function client() {
  const t = new AgreeingTransport();
  const conn = new ZkConnection(t, 500);
  conn.sessionId = 0x45cf;
  return { t, s: new ZkClient(conn) };
}

const TIME = { year: 2024, month: 3, day: 15, hour: 13, minute: 45, second: 30 };
const TEMPLATE = { uid: 7, finger: 1, flag: 1, template: new Uint8Array(600).fill(0x53) };

describe("writes do not send REFRESHDATA (the caller does, once, docs/protocol.md §8.10)", () => {
  test.each([
    ["setTime", (s: ZkClient) => s.setTime(TIME), [CMD.setTime]],
    ["setUser", (s: ZkClient) => s.setUser({ uid: 7, userId: "A7", name: "Ana" }), [CMD.userWrq]],
    ["setUserRaw", (s: ZkClient) => s.setUserRaw(encodeUser72({ uid: 7, userId: "A7" })), [CMD.userWrq]],
    ["deleteUser", (s: ZkClient) => s.deleteUser(7), [CMD.deleteUser]],
    ["clearAttendance", (s: ZkClient) => s.clearAttendance(), [CMD.clearAttLog]],
    ["deleteTemplate", (s: ZkClient) => s.deleteTemplate(7, 1), [CMD.deleteUserTemp]],
    [
      "saveUsersWithTemplates",
      (s: ZkClient) => s.saveUsersWithTemplates([encodeUser72({ uid: 7, userId: "A7" })], [TEMPLATE]),
      [CMD.freeData, CMD.prepareData, CMD.data, CMD.saveUserTemps],
    ],
  ] as const)("%s sends exactly its own commands", async (_name, write, commands) => {
    const { t, s } = client();
    await write(s);
    expect(t.commands()).toEqual(commands);
    await s.refreshData();
    expect(t.commands().filter((c) => c === CMD.refreshData)).toHaveLength(1);
  });
});

describe("bad input rejects the returned promise, never throws synchronously, and sends nothing", () => {
  test.each([
    ["setTime", (s: ZkClient) => s.setTime({ ...TIME, month: 13 })],
    ["setUser", (s: ZkClient) => s.setUser({ uid: 70_000, userId: "1" })],
    ["setUserRaw", (s: ZkClient) => s.setUserRaw(new Uint8Array(30))],
    ["deleteUser", (s: ZkClient) => s.deleteUser(70_000)],
    ["getTemplate", (s: ZkClient) => s.getTemplate(7, 10)],
    ["deleteTemplate", (s: ZkClient) => s.deleteTemplate(7, -1)],
    ["saveUsersWithTemplates", (s: ZkClient) => s.saveUsersWithTemplates([new Uint8Array(5)], [])],
    ["startEnroll", (s: ZkClient) => s.startEnroll("A7", 12)],
    ["unlock", (s: ZkClient) => s.unlock(Number.NaN)],
    ["testVoice", (s: ZkClient) => s.testVoice(-1)],
    ["regEvent", (s: ZkClient) => s.regEvent(-1)],
  ] as const)("%s", async (_name, call) => {
    const { t, s } = client();
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = call(s);
    }).not.toThrow();
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    expect(t.sent).toEqual([]);
  });

  test("a password longer than the record's field is refused, not cut (72-byte: 8, 28-byte: 5)", async () => {
    const { t, s } = client();
    await expect(s.setUser({ uid: 7, userId: "7", password: "123456789" })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
      message: expect.stringMatching(/a 72-byte user record holds at most 8 bytes of password/),
    });
    expect(t.sent).toEqual([]);
    await s.setUser({ uid: 7, userId: "7", password: "12345678" });
    expect(decodeUser72(t.sent[0]!.payload).password).toBe("12345678");
  });
});

describe("fillIdentifiers", () => {
  const users = [decodeUser72(encodeUser72({ uid: 7, userId: "A7" }))];
  const at = (uid: number, userId: string): ZkAttendance => ({ uid, userId, time: TIME, status: 1, punch: 0 });

  test("a uid no user has keeps user_id '' rather than its number shown as a badge number", () => {
    const records = [at(7, ""), at(9, ""), at(0, "A7"), at(0, "nobody")];
    fillIdentifiers(records, users);
    expect(records.map((r) => [r.uid, r.userId])).toEqual([
      [7, "A7"],
      [9, ""],
      [7, "A7"],
      [0, "nobody"],
    ]);
  });
});
