// Simulator data and start-up: deterministic generation, valid dates, data files, options and port binding.
import dgram from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isValidDateTime, toDateUTC } from "../../agent/zk/codec";
import { SimError, generateData, startSimulator } from "../../agent/zk/sim";

const dir = mkdtempSync(join(tmpdir(), "zk-sim-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("generated data", () => {
  it("is the same for the same seed and differs for another", () => {
    const a = generateData({ profile: "tft", users: 50, records: 200, templates: 30, seed: 5 });
    const b = generateData({ profile: "tft", users: 50, records: 200, templates: 30, seed: 5 });
    const c = generateData({ profile: "tft", users: 50, records: 200, templates: 30, seed: 6 });
    expect(a).toEqual(b);
    expect(a.users).not.toEqual(c.users);
  });

  it("makes realistic tft users: unique uids and user_ids of ≤ 9 characters, names, some cards and admins", async () => {
    const sim = await startSimulator({ users: 2000, records: 0, templates: 0, seed: 3 });
    try {
      const users = sim.state.users();
      expect(users).toHaveLength(2000);
      expect(new Set(users.map((u) => u.uid)).size).toBe(2000);
      expect(new Set(users.map((u) => u.userId)).size).toBe(2000);
      expect(users.every((u) => u.userId.length >= 1 && u.userId.length <= 9 && u.name.includes(" "))).toBe(true);
      expect(users.some((u) => u.card > 0)).toBe(true);
      expect(users.some((u) => u.privilege === 14)).toBe(true);
      expect(users.some((u) => /[^\x00-\x7f]/.test(u.name))).toBe(true); // accented names, stored as UTF-8
    } finally {
      await sim.close();
    }
  });

  it("makes zk6 users with numeric user_ids below 65536 and ASCII names of ≤ 8 bytes", () => {
    const { users } = generateData({ profile: "zk6", users: 3000, records: 0, templates: 0, seed: 1 });
    for (const raw of users) {
      expect(raw.length).toBe(28);
      expect(new DataView(raw.buffer, raw.byteOffset).getUint32(24, true)).toBeLessThan(65536);
      expect(raw.subarray(8, 16).every((b) => b < 0x80)).toBe(true);
    }
  });

  it("keeps every attendance date real and in order, even for one person with 100,000 punches", () => {
    for (const users of [0, 1, 300]) {
      const { attendance } = generateData({ profile: "tft", users, records: users === 1 ? 100_000 : 5000, templates: 0, seed: 9 });
      expect(attendance.length).toBe(users === 1 ? 100_000 : 5000);
      let last = 0;
      const bad = attendance.filter((a) => {
        const t = toDateUTC(a.time).getTime();
        const wrong = !isValidDateTime(a.time) || t < last;
        last = t;
        return wrong;
      });
      expect(bad).toEqual([]);
    }
  });

  it("spreads SS21-like templates of 500-1600 bytes over the users, one finger each before any second", () => {
    const { templates } = generateData({ profile: "tft", users: 20, records: 0, templates: 30, seed: 2 });
    expect(templates).toHaveLength(30);
    expect(new Set(templates.slice(0, 20).map((t) => t.uid)).size).toBe(20);
    for (const t of templates) {
      expect(t.template.length).toBeGreaterThanOrEqual(500);
      expect(t.template.length).toBeLessThanOrEqual(1600);
      expect(Array.from(t.template.subarray(2, 6))).toEqual([0x53, 0x53, 0x32, 0x31]);
      expect(t.finger).toBeGreaterThanOrEqual(0);
      expect(t.finger).toBeLessThanOrEqual(9);
    }
    expect(new Set(templates.map((t) => `${t.uid}/${t.finger}`)).size).toBe(30);
  });
});

describe("data files", () => {
  it("loads users (fields or raw hex), attendance and templates from JSON", async () => {
    const file = join(dir, "site.json");
    writeFileSync(
      file,
      JSON.stringify({
        users: [
          { uid: 1, userId: "123", name: "José Pérez", privilege: 14, card: 42 },
          { raw: "05000e313233340041 6c69636500000040e20100000100 00ed030000".replace(/ /g, "") },
        ],
        attendance: [{ userId: "123", time: "2024-03-15 08:02:11", status: 1, punch: 0 }],
        templates: [{ uid: 1, finger: 6, template: Buffer.from("4d98535332310102", "hex").toString("base64") }],
      }),
    );
    const sim = await startSimulator({ dataFile: file });
    try {
      expect(sim.state.users().map((u) => [u.uid, u.userId, u.name])).toEqual([
        [1, "123", "José Pérez"],
        [5, "1005", "Alice"],
      ]);
      expect(sim.state.attendance()).toEqual([
        { uid: 1, userId: "123", time: { year: 2024, month: 3, day: 15, hour: 8, minute: 2, second: 11 }, status: 1, punch: 0 },
      ]);
      expect(sim.state.templates()[0]).toMatchObject({ uid: 1, finger: 6, flag: 1 });
    } finally {
      await sim.close();
    }
  });

  it("rejects a bad file with SIM_DATA_INVALID naming the entry", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ attendance: [{ userId: "1", time: "2024-02-30 08:00:00" }] }));
    const err = await startSimulator({ dataFile: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimError);
    expect((err as SimError).code).toBe("SIM_DATA_INVALID");
    expect((err as SimError).message).toContain("attendance[0]");
    const missing = await startSimulator({ dataFile: join(dir, "nope.json") }).catch((e: unknown) => e);
    expect((missing as SimError).code).toBe("SIM_DATA_INVALID");
  });
});

describe("start-up", () => {
  it("binds TCP and UDP to the same port number", async () => {
    const sim = await startSimulator({ users: 1, templates: 0, records: 0 });
    try {
      const tcpTaken = await new Promise<string | undefined>((resolve) => {
        const s = net.createServer().once("error", (e: NodeJS.ErrnoException) => resolve(e.code));
        s.listen(sim.port, "127.0.0.1", () => s.close(() => resolve(undefined)));
      });
      const udpTaken = await new Promise<string | undefined>((resolve) => {
        const u = dgram.createSocket("udp4").once("error", (e: NodeJS.ErrnoException) => resolve(e.code));
        u.bind(sim.port, "127.0.0.1", () => u.close(() => resolve(undefined)));
      });
      expect([tcpTaken, udpTaken]).toEqual(["EADDRINUSE", "EADDRINUSE"]);
      expect(sim.host).toBe("127.0.0.1");
    } finally {
      await sim.close();
    }
  });

  it("fails with SIM_BIND_FAILED when the asked port is taken, SIM_INVALID_OPTIONS for bad options", async () => {
    const first = await startSimulator({ users: 1, templates: 0, records: 0 });
    try {
      const err = await startSimulator({ port: first.port }).catch((e: unknown) => e);
      expect((err as SimError).code).toBe("SIM_BIND_FAILED");
    } finally {
      await first.close();
    }
    for (const bad of [{ users: -1 }, { profile: "k40" as never }, { users: 2, templates: 25 }, { latencyMs: Number.NaN }]) {
      const err = await startSimulator(bad).catch((e: unknown) => e);
      expect((err as SimError).code).toBe("SIM_INVALID_OPTIONS");
    }
  });

  it("lowerBoundMs is packets × latency + bytes ÷ throughput", async () => {
    const sim = await startSimulator({ users: 0, records: 0, latencyMs: 2, bytesPerSecond: 1000 });
    try {
      expect(sim.lowerBoundMs(10, 500)).toBe(10 * 2 + 500);
    } finally {
      await sim.close();
    }
  });
});
