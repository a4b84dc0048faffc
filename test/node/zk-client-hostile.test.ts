// A hostile or broken device over real TCP: absurd sizes are refused before anything is allocated (docs/protocol.md §15).
import { afterEach, describe, expect, test } from "vitest";
import { connectZk, codec, type ZkClient, type ZkClientConnectOptions } from "../../agent/zk";
import { HOST, plainAnswer, scriptedTcpDevice, type DeviceScript } from "./zk-client-helpers";

const { CMD, REPLY } = codec;
const HUGE = 0xfffffff0;
const devices: Array<{ close(): Promise<void> }> = [];
const sessions: ZkClient[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await Promise.all(devices.splice(0).map((d) => d.close()));
});

/** GET_FREE_SIZES: `users` users, 2 fingers, 5 records. */
function freeSizes(users: number) {
  return codec.encodeFreeSizes({ users, fingers: 2, records: 5, usersCap: 3000, fingersCap: 3000, recordsCap: 100_000 });
}

/** A u32 into 4 bytes at `at` of a fresh `length`-byte payload. */
function u32At(length: number, at: number, value: number): Uint8Array {
  const out = new Uint8Array(length);
  new DataView(out.buffer).setUint32(at, value, true);
  return out;
}

async function open(script: DeviceScript, extra: Partial<ZkClientConnectOptions> = {}) {
  const device = await scriptedTcpDevice((req, conn) => {
    if (req.command === CMD.getFreeSizes) return [{ command: REPLY.ackOk, payload: freeSizes(3) }];
    return plainAnswer(req) ?? script(req, conn);
  });
  devices.push(device);
  const s = await connectZk({ host: HOST, port: device.port, transport: "tcp", timeoutMs: 500, ...extra });
  sessions.push(s);
  return { device, s };
}

const commands = (d: { requests: { command: number }[] }) => d.requests.map((r) => r.command);

describe("hostile sizes", () => {
  test(`a 1503 answer announcing ${HUGE} bytes → PROTOCOL_ERROR before any chunk is asked for; FREE_DATA sent`, async () => {
    const { device, s } = await open((req) =>
      req.command === CMD.prepareBuffer ? [{ command: REPLY.ackOk, payload: codec.bufferAckPayload(HUGE) }] : undefined,
    );
    await expect(s.getUsers()).rejects.toMatchObject({ code: "PROTOCOL_ERROR", message: expect.stringMatching(/4294967280 bytes/) });
    expect(commands(device)).not.toContain(CMD.readBuffer);
    expect(commands(device)).toContain(CMD.freeData);
    // The session is still in step: the next command works.
    expect(s.dead).toBe(false);
    await expect(s.freeSizes()).resolves.toMatchObject({ users: 3 });
  });

  test("a size far beyond what the free-sizes count allows (3 users, 8 MB announced) is refused the same way", async () => {
    const { device, s } = await open((req) =>
      req.command === CMD.prepareBuffer ? [{ command: REPLY.ackOk, payload: codec.bufferAckPayload(8_000_000) }] : undefined,
    );
    await expect(s.getUsers()).rejects.toMatchObject({ code: "PROTOCOL_ERROR", message: expect.stringMatching(/8000000 bytes/) });
    expect(commands(device)).not.toContain(CMD.readBuffer);
  });

  test(`a chunk's PREPARE_DATA announcing ${HUGE} bytes → PROTOCOL_ERROR after the retries, no data taken`, async () => {
    const { device, s } = await open((req) => {
      if (req.command === CMD.prepareBuffer) return [{ command: REPLY.ackOk, payload: codec.bufferAckPayload(3 * 72 + 4) }];
      if (req.command === CMD.readBuffer) return [{ command: CMD.prepareData, payload: codec.prepareDataPayload(HUGE) }];
      return undefined;
    });
    await expect(s.getUsers()).rejects.toMatchObject({ code: "PROTOCOL_ERROR", message: expect.stringMatching(/4294967280 bytes where 220/) });
    // First attempt + 3 retries, each on its own reply id.
    const reads = device.requests.filter((r) => r.command === CMD.readBuffer);
    expect(reads).toHaveLength(4);
    expect(new Set(reads.map((r) => r.replyId)).size).toBe(4);
  });

  test(`a single template announced as ${HUGE} bytes → PROTOCOL_ERROR, nothing allocated for it`, async () => {
    const { s } = await open((req) =>
      req.command === CMD.getUserTemp ? [{ command: CMD.prepareData, payload: codec.prepareDataPayload(HUGE) }] : undefined,
    );
    await expect(s.getTemplate(1, 0)).rejects.toMatchObject({ code: "PROTOCOL_ERROR", message: expect.stringMatching(/4294967280 bytes of data, more than the 65536/) });
  });

  test("a single template just above 64 KiB is refused; one of 64 KiB is read", async () => {
    const { s } = await open((req) => {
      if (req.command !== CMD.getUserTemp) return undefined;
      const size = codec.parseUserTemp(req.payload).finger === 0 ? 65_537 : 65_536;
      const data = new Uint8Array(size).fill(7);
      return [{ command: CMD.prepareData, payload: codec.prepareDataPayload(size) }, { command: CMD.data, payload: data }, { command: REPLY.ackOk }];
    });
    await expect(s.getTemplate(1, 0)).rejects.toMatchObject({ code: "PROTOCOL_ERROR" });
    expect((await s.getTemplate(1, 1))?.template.length).toBe(65_535);
  });

  test("an event listener that throws on a real socket does not take the process down", async () => {
    const reported: unknown[] = [];
    const time = { year: 2024, month: 3, day: 15, hour: 8, minute: 0, second: 0 };
    const event = codec.encodeAttLogEvent({ uid: 1, userId: "1001", time, status: 1, punch: 0 }, 32);
    const { device, s } = await open(
      (req) =>
        req.command === CMD.regEvent
          ? [{ command: REPLY.ackOk }, { command: CMD.regEvent, sessionId: codec.EF.attLog, replyId: 0, payload: event }]
          : undefined,
      { onListenerError: (e) => reported.push(e) },
    );
    s.onEvent(() => {
      throw new Error("listener bug");
    });
    await s.regEvent(codec.EF.attLog);
    await expect.poll(() => s.listenerErrors).toBe(1);
    expect(reported).toHaveLength(1);
    await expect(s.freeSizes()).resolves.toMatchObject({ users: 3 });
    expect(commands(device)).toContain(REPLY.ackOk); // the event was still acknowledged (§11.4)
  });
});
