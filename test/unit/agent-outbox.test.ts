// The agent's durable state: outbox entries survive a restart, settle against the terminal, and go once acked.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TerminalAddresses } from "../../agent/devices/addresses";
import { silentLogger } from "../../agent/log";
import { DisabledTerminals } from "../../agent/state/disabled-terminals";
import { Outbox } from "../../agent/state/outbox";
import { OutboxSettler } from "../../agent/state/settle-outbox";
import type { DeviceTarget } from "../../shared/device";

const ID = "6f1c2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b";
const device: DeviceTarget = { id: "caja", ip: "127.0.0.1", port: 4370, transport: "tcp", password: 0, timeout: 2 };
const ifCommitted = { user: { uid: 3, user_id: "903" }, snapshot: { format: 72, record: "AAAA", templates: [] } };
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "zk-relay-outbox-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("Outbox", () => {
  it("keeps a write-ahead across a restart, as unsettled; its answer once final; nothing once acked", async () => {
    const box = await Outbox.open(dir, silentLogger);
    await box.writeAhead({ id: ID, op: "users.delete", device, args: { user_id: "903" } }, ifCommitted);
    expect(await readdir(dir)).toEqual([`${ID}.json`]);

    const reopened = await Outbox.open(dir, silentLogger);
    expect(reopened.unsettled().map((e) => [e.id, e.ifCommitted])).toEqual([[ID, ifCommitted]]);
    expect(reopened.unacked()).toEqual([]);

    await reopened.settleCommitted(reopened.unsettled()[0]!);
    const again = await Outbox.open(dir, silentLogger);
    expect(again.unsettled()).toEqual([]);
    expect(again.unacked()).toEqual([{ v: 1, type: "response", id: ID, ok: true, result: ifCommitted, redelivered: true }]);

    expect(await again.ack(ID)).toBe(true);
    expect(await again.ack(ID)).toBe(false);
    expect(await readdir(dir)).toEqual([]);
    expect((await Outbox.open(dir, silentLogger)).size).toBe(0);
  });

  it("skips half-written temp files and entries that are not entries (a crash mid-write, a stray file)", async () => {
    await writeFile(join(dir, `.${ID}.json.123.tmp`), '{"id":');
    await writeFile(join(dir, `${ID}.json`), "not json");
    await writeFile(join(dir, "other.json"), JSON.stringify({ id: "x" }));
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (msg: string) => void errors.push(msg) };
    const box = await Outbox.open(dir, logger);
    expect(box.size).toBe(0);
    expect(errors).toHaveLength(2);
  });

  it("finalize only applies to requests that wrote ahead", async () => {
    const box = await Outbox.open(dir, silentLogger);
    expect(await box.finalize(ID, { v: 1, type: "response", id: ID, ok: true, result: {} })).toBe(false);
    expect(box.size).toBe(0);
  });
});

describe("OutboxSettler", () => {
  it("happened → its result is delivered; did not → dropped; cannot tell → kept and retried", async () => {
    const box = await Outbox.open(dir, silentLogger);
    const ids = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"];
    for (const id of ids) await box.writeAhead({ id, op: "users.delete", device, args: {} }, { n: id });
    let delivered = 0;
    let unreachable = true;
    const settler = new OutboxSettler({
      outbox: box,
      logger: silentLogger,
      retryMs: 10,
      onDelivered: () => delivered++,
      check: async (entry) => {
        if (entry.id === ids[0]) return true;
        if (entry.id === ids[1]) return false;
        if (unreachable) throw new Error("terminal unreachable");
        return true;
      },
    });
    await settler.kick();
    expect(box.unacked().map((f) => f.id)).toEqual([ids[0]]);
    expect(box.unsettled().map((e) => e.id)).toEqual([ids[2]]);
    expect(box.has(ids[1])).toBe(false);
    expect(delivered).toBe(1);
    unreachable = false;
    for (let i = 0; i < 100 && box.unsettled().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(box.unacked().map((f) => f.id).sort()).toEqual([ids[0], ids[2]]);
    settler.stop();
  });
});

describe("DisabledTerminals", () => {
  it("a DISABLE recorded before it is sent outlives the process; an ENABLE clears it", async () => {
    const store = await DisabledTerminals.open(dir, silentLogger);
    await store.mark("127.0.0.1:4370", device);
    expect((await DisabledTerminals.open(dir, silentLogger)).entries()).toEqual([["127.0.0.1:4370", device]]);
    await store.clear("127.0.0.1:4370");
    expect((await DisabledTerminals.open(dir, silentLogger)).entries()).toEqual([]);
  });
});

describe("TerminalAddresses (lock key by resolved address)", () => {
  it("localhost and 127.0.0.1 give one key; IP literals need no lookup; an unresolvable name keys by itself", async () => {
    const looked: string[] = [];
    const addresses = new TerminalAddresses(async (host) => {
      looked.push(host);
      if (host === "localhost") return ["::1", "127.0.0.1"];
      throw new Error("ENOTFOUND");
    });
    expect(addresses.known({ ip: "127.0.0.1", port: 4370 })).toBe("127.0.0.1:4370");
    expect(await addresses.resolve({ ip: "LocalHost", port: 4370 })).toBe("127.0.0.1:4370");
    expect(await addresses.resolve({ ip: "nowhere.invalid", port: 4370 })).toBe("nowhere.invalid:4370");
    expect(addresses.known({ ip: "::1", port: 4370 })).toBe("[::1]:4370");
    await addresses.resolve({ ip: "localhost", port: 4370 });
    expect(looked).toEqual(["localhost", "nowhere.invalid"]); // cached
  });
});
