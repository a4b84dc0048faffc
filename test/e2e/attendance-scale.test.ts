// Large attendance logs through the whole system (HTTP → workerd → WebSocket → agent process → UDP/TCP → simulator):
// no attendance request fails because the log is large (docs/relay.md §2, §4; docs/events.md §7).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Agent } from "undici";
import { waitFor, type ApiAnswer, type ApiRequestOptions } from "../../scripts/lib/api-client";
import type { Simulator } from "../../agent/zk/sim/types";
import { envelopeProblem } from "./harness/envelope";
import { startSystem, type System } from "./harness/system";

interface Rec {
  user_id: string;
  timestamp: string;
  status: number;
  punch: number;
  uid: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const pad = (n: number) => String(n).padStart(2, "0");

/** What the simulator holds, as the API's records (user_id from the user table where the record has none). */
function simRecords(sim: Simulator): Rec[] {
  const users = new Map(sim.state.users().map((u) => [u.uid, u.userId]));
  return sim.state.attendance().map((r) => {
    const t = r.time;
    return {
      user_id: r.userId || users.get(r.uid) || "",
      timestamp: `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`,
      status: r.status,
      punch: r.punch,
      uid: r.uid,
    };
  });
}

const seedFields = (r: Rec): Rec => ({ user_id: r.user_id, timestamp: r.timestamp, status: r.status, punch: r.punch, uid: r.uid });
/** The dedupe key of docs/events.md §3 (within one device and type). */
const punchKey = (r: Rec) => `${r.user_id}|${r.timestamp}|${r.status}|${r.punch}`;

/*
 * Every request on a connection of its own: checking 100,000 records keeps this process busy for seconds, during
 * which the local server may close an idle keep-alive connection unnoticed, and the next request on it would fail
 * before reaching the gateway.
 */
const BIG: ApiRequestOptions = { timeoutMs: 170_000, freshConnection: true };
const get = (sys: System, path: string): Promise<ApiAnswer> => sys.api.get(path, BIG);

/** A raw GET (streams are not JSON): status, headers and the whole body text. */
async function rawGet(sys: System, path: string, accept: string): Promise<{ status: number; headers: Headers; text: string }> {
  const dispatcher = new Agent();
  try {
    const res = await fetch(`${sys.gateway.url}${path}`, {
      headers: { authorization: `Bearer ${sys.gateway.adminKey}`, accept },
      signal: AbortSignal.timeout(170_000),
      dispatcher,
    } as unknown as RequestInit);
    return { status: res.status, headers: res.headers, text: await res.text() };
  } finally {
    await dispatcher.close();
  }
}

async function ndjson(sys: System, path: string): Promise<Rec[]> {
  const r = await rawGet(sys, path, "application/x-ndjson");
  expect(r.status, r.text.slice(0, 300)).toBe(200);
  expect(r.headers.get("content-type")).toContain("application/x-ndjson");
  // A stream carries the headers of every answer (docs/http-api.md §12).
  expect(r.headers.get("x-request-id")).toMatch(UUID);
  expect(r.text.endsWith("\n")).toBe(true);
  return r.text
    .slice(0, -1)
    .split("\n")
    .map((line) => JSON.parse(line) as Rec);
}

/** CSV rows as objects keyed by the header (fields with quotes are not expected in these columns). */
async function csv(sys: System, path: string): Promise<{ header: string[]; rows: Record<string, string>[] }> {
  const r = await rawGet(sys, path, "text/csv");
  expect(r.status, r.text.slice(0, 300)).toBe(200);
  expect(r.headers.get("content-type")).toContain("text/csv");
  expect(r.headers.get("x-request-id")).toMatch(UUID);
  expect(r.text.endsWith("\r\n")).toBe(true);
  const [head, ...lines] = r.text.slice(0, -2).split("\r\n");
  const header = head!.split(",");
  const odd = lines.find((line) => line.includes('"') || line.split(",").length !== header.length);
  expect(odd).toBeUndefined();
  const rows = lines.map((line) => {
    const fields = line.split(",");
    return Object.fromEntries(header.map((h, i) => [h, fields[i]!]));
  });
  return { header, rows };
}

const fromCsv = (r: Record<string, string>): Rec => ({
  user_id: r.user_id!,
  timestamp: r.timestamp!,
  status: Number(r.status),
  punch: Number(r.punch),
  uid: Number(r.uid),
});

/** Compares a whole answer with the simulator's log: count, first, last, then every record in order. */
function expectSameLog(got: Rec[], want: Rec[]): void {
  expect(got.length).toBe(want.length);
  expect(seedFields(got[0]!)).toEqual(want[0]);
  expect(seedFields(got.at(-1)!)).toEqual(want.at(-1));
  const mismatch = got.findIndex((r, i) => punchKey(r) !== punchKey(want[i]!) || r.uid !== want[i]!.uid);
  expect(mismatch, mismatch >= 0 ? `record ${mismatch}: ${JSON.stringify(got[mismatch])} vs ${JSON.stringify(want[mismatch])}` : "").toBe(-1);
}

describe("terminals that are not watched (live sessions off): the log relayed from the terminal", () => {
  let sys: System;
  const want: Record<string, Rec[]> = {};

  beforeAll(async () => {
    sys = await startSystem({
      site: "scale",
      terminals: {
        // ZK6: UDP only, 16-byte records (docs/protocol.md §9.1); no latency per packet (the simulator's default).
        puerta: { transport: "udp", sim: { profile: "zk6", users: 60, records: 50_000, templates: 0, seed: 11 } },
        reloj: { transport: "tcp", sim: { profile: "tft", users: 80, records: 120_000, templates: 0, seed: 12 } },
        // The same log on a slower link with a short registry timeout: its read takes longer than the bulk budget that
        // timeout gives (12 packet timeouts + 2 s = 8 s, docs/relay.md §4), so only the agent's `extend` lets it finish.
        lenta: { transport: "udp", timeout: 0.5, sim: { profile: "zk6", users: 60, records: 50_000, templates: 0, seed: 11, latencyMs: 12 } },
      },
    });
    for (const [id, sim] of Object.entries(sys.sims)) want[id] = simRecords(sim);
  }, 120_000);

  afterAll(async () => {
    await sys?.close();
  }, 60_000);

  test("UDP, 50,000 records: NDJSON and CSV streams carry every record, in the terminal's order", async () => {
    expect(want.puerta).toHaveLength(50_000);
    expectSameLog(await ndjson(sys, "/devices/puerta/attendance"), want.puerta!);
    const { header, rows } = await csv(sys, "/devices/puerta/attendance");
    expect(header).toEqual(["user_id", "timestamp", "status", "punch", "uid"]);
    expectSameLog(rows.map(fromCsv), want.puerta!);
  }, 120_000);

  test("UDP, 50,000 records: the seed's JSON call answers the whole log (docs/events.md §7), never 500/504", async () => {
    const r = await get(sys, "/devices/puerta/attendance");
    expect(envelopeProblem(r)).toBeUndefined();
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expect(r.body.success).toBe(true);
    expectSameLog(r.body.data as Rec[], want.puerta!);
  }, 120_000);

  test("UDP, 50,000 records on a slow link, two callers at once: each read outlasts the usual deadline, the second also waits for the first; both answered whole (docs/relay.md §4)", async () => {
    // The terminal serves one read at a time (docs/architecture.md §4): whichever comes second waits a whole read.
    const [one, all] = await Promise.all([get(sys, "/devices/lenta/attendance"), get(sys, "/attendance/all")]);
    expect(envelopeProblem(one)).toBeUndefined();
    expect(one.status, one.text.slice(0, 300)).toBe(200);
    expectSameLog(one.body.data as Rec[], want.lenta!);
    // GET /attendance/all: every terminal's whole log at once, the slow one included, no errors.
    expect(envelopeProblem(all)).toBeUndefined();
    expect(all.status, all.text.slice(0, 300)).toBe(200);
    expect(all.body.errors).toEqual({});
    const data = all.body.data as (Rec & { device: string })[];
    for (const id of Object.keys(sys.sims)) expectSameLog(data.filter((d) => d.device === id), want[id]!);
    expect(data).toHaveLength(50_000 + 120_000 + 50_000);
    expect(sys.sims.lenta!.commandLog.filter((c) => c.name === "CMD_PREPARE_BUFFER").length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  test("UDP, 50,000 records: after/limit page the relayed log (cursors o1.…) once, in order", async () => {
    const got: Rec[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await get(sys, `/devices/puerta/attendance?limit=10000${after ? `&after=${after}` : ""}`);
      expect(r.status, r.text.slice(0, 300)).toBe(200);
      const data = r.body.data as Rec[];
      expect(typeof r.body.next).toBe("string");
      expect(r.body.next).toMatch(/^o1\./);
      got.push(...data);
      if (data.length < 10_000) break;
      after = r.body.next as string;
    }
    expectSameLog(got, want.puerta!);
    // A cursor it did not give, or a page too large, is refused in the seed's envelope before the terminal is asked.
    for (const bad of ["after=c1.5", "after=o1.%21", "limit=0", "limit=10001"]) {
      const r = await get(sys, `/devices/puerta/attendance?${bad}`);
      expect(envelopeProblem(r), bad).toBeUndefined();
      expect([r.status, r.body.code], bad).toEqual([400, "VALIDATION_FAILED"]);
    }
  }, 120_000);

  test("TCP, 120,000 records: NDJSON and CSV streams carry every record, in the terminal's order", async () => {
    expect(want.reloj).toHaveLength(120_000);
    expectSameLog(await ndjson(sys, "/devices/reloj/attendance"), want.reloj!);
    const { rows } = await csv(sys, "/devices/reloj/attendance");
    expectSameLog(rows.map(fromCsv), want.reloj!);
  }, 120_000);

  test("TCP, 120,000 records: the seed's JSON call answers the whole log, never 500/504", async () => {
    const r = await get(sys, "/devices/reloj/attendance");
    expect(envelopeProblem(r)).toBeUndefined();
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expectSameLog(r.body.data as Rec[], want.reloj!);
  }, 120_000);
});

describe("watched terminals (live sessions on): the import of a large log, and the stored log after it", () => {
  let sys: System;
  let want: Rec[];

  beforeAll(async () => {
    sys = await startSystem({
      site: "scale-live",
      terminals: {
        grande: { transport: "udp", sim: { profile: "zk6", users: 60, records: 50_000, templates: 0, seed: 13 } },
        // A log whose import reads for longer than the bulk budget of its registry timeout (12 × 0.4 s + 2 s = 6.8 s,
        // docs/relay.md §4): a request queued behind that import waits longer than its budget, then reads the log itself.
        lenta: { transport: "udp", timeout: 0.4, sim: { profile: "zk6", users: 60, records: 40_000, templates: 0, seed: 14, latencyMs: 12 } },
      },
      agentEnv: { ZK_RELAY_LIVE: "1", ZK_RELAY_LIVE_BACKOFF_MS: "200" },
    });
    // Two punches of one person in one second with the same status and punch are one event (docs/events.md §3).
    const seen = new Set<string>();
    want = simRecords(sys.sims.grande!).filter((r) => !seen.has(punchKey(r)) && seen.add(punchKey(r)));
  }, 120_000);

  afterAll(async () => {
    await sys?.close();
  }, 60_000);

  test("a request that arrives while the terminal's log is being imported waits for the import and is answered whole", async () => {
    const sim = sys.sims.lenta!;
    // The first read of the log is the import's (nothing else has asked for it yet): send the request once it began…
    await waitFor("the import reading the log", async () => (sim.commandLog.some((c) => c.name === "CMD_PREPARE_BUFFER") ? true : undefined), { timeoutMs: 30_000, intervalMs: 10 });
    const issued = performance.now();
    const r = await get(sys, "/devices/lenta/attendance");
    // …and before it ended (else this test would prove nothing).
    expect(sim.commandLog.find((c) => c.name === "CMD_FREE_DATA")?.at).toBeGreaterThan(issued);
    expect(envelopeProblem(r)).toBeUndefined();
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expectSameLog(r.body.data as Rec[], simRecords(sim));
  }, 120_000);

  test("after/limit walk the whole stored log exactly once, in order, and `next` ends", async () => {
    await waitFor(
      "the whole log imported",
      async () => {
        const r = await get(sys, "/events/devices");
        const w = (r.body.data as { device_id: string; last_seq: number; caught_up_at: string | null }[]).find((d) => d.device_id === "grande");
        return w && w.caught_up_at !== null && w.last_seq >= want.length ? w : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500 },
    );
    const got: (Rec & { id: string; seq: number; cursor: string })[] = [];
    let after: string | undefined;
    let last: { data: unknown[]; next: unknown } | undefined;
    for (let page = 0; page < 100; page++) {
      const r = await get(sys, `/devices/grande/attendance?limit=7000${after ? `&after=${after}` : ""}`);
      expect(r.status, r.text.slice(0, 300)).toBe(200);
      last = r.body;
      const data = r.body.data as typeof got;
      got.push(...data);
      if (data.length === 0) break;
      expect(r.body.next).toBe(data.at(-1)!.cursor);
      after = r.body.next as string;
    }
    // The walk ended on an empty page whose `next` is the cursor it was asked with: nothing after it.
    expect(last!.data).toEqual([]);
    expect(last!.next).toBe(after);
    // An offset cursor of the relayed log is not a cursor of the stored one: refused in the seed's envelope.
    const bad = await get(sys, "/devices/grande/attendance?after=o1.5");
    expect(envelopeProblem(bad)).toBeUndefined();
    expect([bad.status, bad.body.code]).toEqual([400, "VALIDATION_FAILED"]);
    expect(new Set(got.map((r) => r.id)).size).toBe(got.length);
    expect(got.map((r) => r.seq)).toEqual(Array.from({ length: got.length }, (_, i) => i + 1));
    expectSameLog(got, want);
    // The stream of the same stored log agrees.
    expectSameLog(await ndjson(sys, "/devices/grande/attendance"), want);
    // The seed's filters still apply while paging (docs/events.md §7): one person's records, walked the same way.
    const person = want[want.length >> 1]!.user_id;
    const mine: Rec[] = [];
    after = undefined;
    for (let page = 0; page < 100; page++) {
      const r = await get(sys, `/devices/grande/attendance?user_id=${person}&limit=100${after ? `&after=${after}` : ""}`);
      expect(r.status, r.text.slice(0, 300)).toBe(200);
      const data = r.body.data as Rec[];
      mine.push(...data);
      if (data.length === 0) break;
      after = r.body.next as string;
    }
    expectSameLog(mine, want.filter((r) => r.user_id === person));
  }, 200_000);
});
