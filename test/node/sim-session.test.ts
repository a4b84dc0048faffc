// Simulator sessions over real sockets, driven with the reference bytes of docs/protocol.md §4 and §13.
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../agent/zk/sim";
import { RawTcp, RawUdp, hex, request, tcpFrame, toHex } from "./sim-helpers";

const CONNECT = hex("e8 03 17 fc 00 00 00 00"); // §13, reply id 0 (pyzk)
const CONNECT_NODE = hex("e8 03 16 fc 00 00 01 00"); // §13, reply id 1 (node-zklib)
const ACK_OK_CONNECT = "d0 07 60 b2 cf 45 00 00"; // §13
const ACK_UNAUTH_CONNECT = "d5 07 5b b2 cf 45 00 00"; // §13
const AUTH_123456 = hex("4e 04 88 7a cf 45 01 00 26 7f 32 bc"); // §4.2 example A
const AUTH_45 = hex("4e 04 4d b0 cf 45 01 00 61 c9 32 3c"); // §4.2 example B (real pyzk frame)
const ACK_OK_AUTH = "d0 07 5f b2 cf 45 01 00"; // §4.2
const FREE_SIZES = hex("32 00 fb b9 cf 45 03 00"); // §13 reply 3
const GET_VERSION = hex("4c 04 d2 b5 cf 45 12 00"); // §13 reply 0x12
const EXIT = hex("e9 03 3e b6 cf 45 09 00"); // §13 reply 9
const EVENT_ACK = hex("d0 07 60 b2 cf 45 00 00"); // §11.4 client ACK of an event

let sims: Simulator[] = [];
let clients: Array<{ close(): void }> = [];

async function sim(o: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator({ users: 3, records: 5, templates: 2, ...o });
  sims.push(s);
  return s;
}
async function tcp(s: Simulator): Promise<RawTcp> {
  const c = await RawTcp.connect(s.port);
  clients.push(c);
  return c;
}
async function udp(s: Simulator): Promise<RawUdp> {
  const c = await RawUdp.open(s.port);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

describe("connect and comm key (§4.1, §4.2)", () => {
  it("answers CONNECT with ACK_OK and session 0x45CF, byte for byte, over TCP and UDP", async () => {
    const s = await sim();
    const t = await tcp(s);
    t.send(CONNECT);
    expect(toHex(await t.nextRaw())).toBe(ACK_OK_CONNECT);
    expect(toHex(t.chunks[0]!.subarray(0, 8))).toBe("50 50 82 7d 08 00 00 00");
    const u = await udp(s);
    u.send(CONNECT_NODE);
    const reply = await u.next();
    expect(reply.command).toBe(2000);
    expect(reply.replyId).toBe(1);
    expect(reply.sessionId).not.toBe(0);
    expect(reply.sessionId).not.toBe(0x45cf); // unique per live session
    expect(s.state.sessions).toBe(2);
  });

  it("asks for the comm key with ACK_UNAUTH and accepts the right AUTH (§4.2 example A)", async () => {
    const s = await sim({ commKey: 123456 });
    const t = await tcp(s);
    t.send(CONNECT);
    expect(toHex(await t.nextRaw())).toBe(ACK_UNAUTH_CONNECT);
    t.send(FREE_SIZES);
    expect((await t.next()).command).toBe(2005); // nothing else before AUTH
    t.send(AUTH_123456);
    expect(toHex(await t.nextRaw())).toBe(ACK_OK_AUTH);
    t.send(FREE_SIZES);
    const sizes = await t.next();
    expect(sizes.command).toBe(2000);
    expect(sizes.payload.length).toBe(80);
  });

  it("accepts pyzk's real AUTH frame for key 45 and rejects a wrong key, over UDP too", async () => {
    const right = await sim({ commKey: 45 });
    const t = await tcp(right);
    t.send(CONNECT);
    await t.next();
    t.send(AUTH_45);
    expect(toHex(await t.nextRaw())).toBe(ACK_OK_AUTH);

    const wrong = await sim({ commKey: 123456 });
    const u = await udp(wrong);
    u.send(CONNECT);
    expect(toHex(await u.nextRaw())).toBe(ACK_UNAUTH_CONNECT);
    u.send(AUTH_45);
    expect((await u.next()).command).toBe(2005);
    u.send(GET_VERSION);
    expect((await u.next()).command).toBe(2005);
  });

  it("answers commands without a session with ACK_UNAUTH", async () => {
    const s = await sim();
    const u = await udp(s);
    u.send(FREE_SIZES);
    const r = await u.next();
    expect(r.command).toBe(2005);
    expect(r.replyId).toBe(3);
  });

  it("CONNECT again on the same TCP connection keeps the session id (§4.1)", async () => {
    const s = await sim();
    const t = await tcp(s);
    t.send(CONNECT);
    const first = await t.next();
    t.send(CONNECT_NODE);
    const again = await t.next();
    expect([again.sessionId, again.replyId]).toEqual([first.sessionId, 1]);
    expect(s.state.sessions).toBe(1);
  });

  it("counts requests with a bad checksum and serves them; strictChecksum answers ACK_ERROR (§2.2)", async () => {
    const lenient = await sim();
    const a = await udp(lenient);
    const bad = CONNECT.slice();
    bad[2] ^= 0xff;
    a.send(bad);
    expect((await a.next()).command).toBe(2000);
    expect(lenient.state.badChecksums).toBe(1);
    const strict = await sim({ strictChecksum: true });
    const b = await udp(strict);
    b.send(bad);
    expect((await b.next()).command).toBe(2001);
    expect(strict.state.sessions).toBe(0);
  });

  it("EXIT acknowledges with a bare header and drops the session", async () => {
    const s = await sim();
    const t = await tcp(s);
    t.send(CONNECT);
    await t.next();
    t.send(EXIT);
    const r = await t.nextRaw();
    expect(r.length).toBe(8);
    expect(r[6]).toBe(9);
    expect(s.state.sessions).toBe(0);
  });
});

describe("what the device must not answer and what it must (§5.2, §11.4, §14 item 3)", () => {
  it("never answers an incoming ACK_OK, and the next reply belongs to the next command", async () => {
    const s = await sim();
    const t = await tcp(s);
    t.send(CONNECT);
    await t.next();
    t.send(EVENT_ACK);
    expect(await t.silentFor(200)).toBe(true);
    t.send(GET_VERSION);
    const r = await t.next();
    expect(r.command).toBe(2000);
    expect(r.replyId).toBe(0x12);
    expect(s.commandLog.map((e) => e.name)).toEqual(["CMD_CONNECT", "CMD_ACK_OK", "CMD_GET_VERSION"]);
  });

  it("answers ACK_ERROR and ACK_UNKNOWN sent as commands (pyzk _clear_error)", async () => {
    const s = await sim();
    const u = await udp(s);
    u.send(CONNECT);
    await u.next();
    u.send(request(2001, 20));
    for (let i = 21; i <= 23; i++) u.send(request(0xffff, i));
    const replies = [await u.next(), await u.next(), await u.next(), await u.next()];
    expect(replies.map((r) => r.replyId)).toEqual([20, 21, 22, 23]);
    expect(replies.every((r) => r.command === 0xffff && r.payload.length === 0)).toBe(true);
  });

  it("answers unknown commands with ACK_UNKNOWN", async () => {
    const s = await sim();
    const u = await udp(s);
    u.send(CONNECT);
    await u.next();
    u.send(request(4989, 30));
    const r = await u.next();
    expect([r.command, r.replyId]).toEqual([0xffff, 30]);
  });
});

describe("one TCP session at a time (§4.3)", () => {
  it("closes a second TCP client while the first holds a session, and serves it after EXIT", async () => {
    const s = await sim();
    const a = await tcp(s);
    a.send(CONNECT);
    await a.next();
    const b = await tcp(s);
    b.send(CONNECT);
    expect(await b.closedWithin(1000)).toBe(true);
    a.send(EXIT);
    await a.next();
    const c = await tcp(s);
    c.send(CONNECT);
    expect((await c.next()).command).toBe(2000);
  });

  it("serves several TCP sessions when singleSession is off", async () => {
    const s = await sim({ singleSession: false });
    const a = await tcp(s);
    const b = await tcp(s);
    a.send(CONNECT);
    b.send(CONNECT);
    const [ra, rb] = [await a.next(), await b.next()];
    expect(ra.command).toBe(2000);
    expect(rb.command).toBe(2000);
    expect(ra.sessionId).not.toBe(rb.sessionId);
    expect(s.state.sessions).toBe(2);
  });

  it("tolerates pyzk's probe: a TCP connection that opens and closes without a byte (§4.1)", async () => {
    const s = await sim();
    await new Promise<void>((resolve, reject) => {
      const probe = net.connect(s.port, "127.0.0.1", () => {
        probe.destroy();
        resolve();
      });
      probe.on("error", reject);
    });
    const t = await tcp(s);
    t.send(CONNECT);
    expect(toHex(await t.nextRaw())).toBe(ACK_OK_CONNECT);
  });

  it("a zk6 terminal speaks UDP only: TCP is refused on the same port", async () => {
    const s = await sim({ profile: "zk6" });
    const err = await RawTcp.connect(s.port).then(
      (c) => (c.close(), undefined),
      (e: NodeJS.ErrnoException) => e.code,
    );
    expect(err).toBe("ECONNREFUSED");
    const u = await udp(s);
    u.send(CONNECT);
    expect((await u.next()).command).toBe(2000);
  });
});

describe("TCP stream handling (§1.2, §14 item 5)", () => {
  it("reassembles a frame split into single bytes", async () => {
    const s = await sim();
    const t = await tcp(s);
    const frame = tcpFrame(CONNECT);
    for (const b of frame) {
      t.sendRaw(Uint8Array.of(b));
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(toHex(await t.nextRaw())).toBe(ACK_OK_CONNECT);
  });

  it("serves several frames merged in one write, in order", async () => {
    const s = await sim();
    const t = await tcp(s);
    const merged = new Uint8Array([...tcpFrame(CONNECT), ...tcpFrame(GET_VERSION), ...tcpFrame(FREE_SIZES)]);
    t.sendRaw(merged);
    const ids = [(await t.next()).replyId, (await t.next()).replyId, (await t.next()).replyId];
    expect(ids).toEqual([0, 0x12, 3]);
  });

  it("answers pipelined requests in order, each with its own reply id (node-zklib, §2.4)", async () => {
    const s = await sim();
    const t = await tcp(s);
    t.send(CONNECT);
    await t.next();
    const ids = [7, 300, 2, 65534, 0];
    t.sendRaw(new Uint8Array(ids.flatMap((id) => [...tcpFrame(request(1100, id))])));
    const got: number[] = [];
    for (const _ of ids) got.push((await t.next()).replyId);
    expect(got).toEqual(ids);
  });

  it("drops a connection that sends something that is not a frame", async () => {
    const s = await sim();
    const t = await tcp(s);
    t.sendRaw(hex("47 45 54 20 2f 20 48 54 54 50"));
    expect(await t.closedWithin(1000)).toBe(true);
  });
});
