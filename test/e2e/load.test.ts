// Load through the real stack: 50 concurrent callers, 1,000 mixed operations, 10 simulated terminals.
import { afterAll, beforeAll, expect, test } from "vitest";
import { CMD } from "../../agent/zk/codec";
import type { CommandLogEntry, Simulator } from "../../agent/zk/sim";
import { prng } from "../../agent/zk/sim";
import type { ApiAnswer } from "../../scripts/lib/api-client";
import { envelopeProblem } from "./harness/envelope";
import { startSystem, type System, type TerminalSetup } from "./harness/system";

const TERMINALS = 10;
const CALLERS = 50;
/** Per terminal: 30 lists, 20 attendance reads, 20 creates, 20 deletes, 10 clock reads = 100; × 10 = 1,000. */
const MIX = { list: 30, attendance: 20, create: 20, delete: 20, time: 10 } as const;
type Kind = keyof typeof MIX;

interface Op {
  terminal: string;
  kind: Kind;
  userId?: string;
}

let sys: System;
const ids = Array.from({ length: TERMINALS }, (_, i) => `t${i}`);
const doomed = (t: number, k: number) => `9${t}${String(k).padStart(2, "0")}`; // deleted during the run
const fresh = (t: number, k: number) => `8${t}${String(k).padStart(2, "0")}`; // created during the run

beforeAll(async () => {
  const terminals: Record<string, TerminalSetup> = {};
  ids.forEach((id, t) => {
    terminals[id] = {
      transport: t % 5 === 4 ? "udp" : "tcp",
      timeout: 5,
      sim: {
        profile: t % 5 === 4 ? "zk6" : "tft",
        seed: t + 1,
        users: 30,
        records: 200,
        templates: 20,
        // The simulator would refuse a second TCP client itself; let it accept, so only the agent's lock
        // keeps sessions apart and the command log shows whether it did.
        singleSession: false,
        people: Array.from({ length: MIX.delete }, (_, k) => ({ userId: doomed(t, k), name: `Baja ${k}`, fingers: [k % 10] })),
      },
    };
  });
  sys = await startSystem({ site: "carga", terminals });
}, 60_000);

afterAll(async () => {
  await sys?.close();
});

function plan(): Op[] {
  const ops: Op[] = [];
  ids.forEach((terminal, t) => {
    for (const kind of Object.keys(MIX) as Kind[]) {
      for (let k = 0; k < MIX[kind]; k++) {
        const userId = kind === "delete" ? doomed(t, k) : kind === "create" ? fresh(t, k) : kind === "attendance" ? "1001" : undefined;
        ops.push({ terminal, kind, userId });
      }
    }
  });
  const rng = prng(1127);
  for (let i = ops.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [ops[i], ops[j]] = [ops[j]!, ops[i]!];
  }
  return ops;
}

function call(op: Op): Promise<ApiAnswer> {
  const base = `/devices/${op.terminal}`;
  switch (op.kind) {
    case "list":
      return sys.api.get(`${base}/users`);
    case "attendance":
      return sys.api.get(`${base}/attendance?user_id=${op.userId}`);
    case "create":
      // 8 bytes: the name fits the 28-byte records of the UDP terminals whole.
      return sys.api.post(`${base}/users`, { user_id: op.userId, name: `Alta${op.userId}` });
    case "delete":
      return sys.api.del(`${base}/users/${op.userId}`);
    case "time":
      return sys.api.get(`${base}/time`);
  }
}

/** Indices where a session other than the open one shows up before the open one sent EXIT (or went quiet for good). */
function interleavings(log: readonly CommandLogEntry[]): string[] {
  // CONNECT arrives before the terminal assigns an id (logged as 0); it opens the next block.
  const span = new Map<number, { first: number; last: number }>();
  log.forEach((e, i) => {
    if (e.command === CMD.connect) return;
    const s = span.get(e.sessionId);
    if (s) s.last = i;
    else span.set(e.sessionId, { first: i, last: i });
  });
  const problems: string[] = [];
  const blocks = [...span.entries()].sort((a, b) => a[1].first - b[1].first);
  for (let b = 1; b < blocks.length; b++) {
    const [prevId, prev] = blocks[b - 1]!;
    const [id, cur] = blocks[b]!;
    if (cur.first < prev.last) problems.push(`session ${id} started at #${cur.first} inside session ${prevId} (#${prev.first}-#${prev.last})`);
  }
  log.forEach((e, i) => {
    if (e.command !== CMD.connect) return;
    for (const [id, s] of span) if (i > s.first && i < s.last) problems.push(`CONNECT at #${i} inside session ${id}`);
  });
  return problems;
}

test("1,000 mixed operations from 50 concurrent callers over 10 terminals: all answered, deletes once, no overlap per terminal", async () => {
  const ops = plan();
  expect(ops).toHaveLength(1000);
  const answers: Array<{ op: Op; answer?: ApiAnswer; error?: string }> = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (next < ops.length) {
        const op = ops[next++]!;
        try {
          answers.push({ op, answer: await call(op) });
        } catch (err) {
          answers.push({ op, error: (err as Error).message });
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(`load: ${ops.length} operations in ${seconds.toFixed(1)} s (${(ops.length / seconds).toFixed(0)} ops/s) with ${CALLERS} callers`);

  // Every operation answered, successfully, in the envelope.
  expect(answers).toHaveLength(ops.length);
  const failures = answers.filter((a) => !a.answer || a.answer.status >= 300 || envelopeProblem(a.answer));
  expect(failures.map((f) => `${f.op.kind} ${f.op.terminal} ${f.op.userId ?? ""}: ${f.error ?? `${f.answer!.status} ${f.answer!.text.slice(0, 160)}`}`)).toEqual([]);
  for (const { op, answer } of answers) {
    if (op.kind === "delete") expect(answer!.body).toEqual({ success: true, message: `Usuario '${op.userId}' eliminado.` });
    if (op.kind === "create") expect(answer!.status).toBe(201);
  }

  ids.forEach((id, t) => {
    const sim = sys.sims[id]!;
    const users = sim.state.users().map((u) => u.userId);
    // Each delete applied exactly once; each create exactly once; nothing else touched.
    expect(sim.commandLog.filter((e) => e.command === CMD.deleteUser)).toHaveLength(MIX.delete);
    for (let k = 0; k < MIX.delete; k++) expect(users).not.toContain(doomed(t, k));
    for (let k = 0; k < MIX.create; k++) expect(users.filter((u) => u === fresh(t, k))).toHaveLength(1);
    expect(users).toHaveLength(30 + MIX.create);
    // One operation at a time per terminal: sessions never interleave in its command log.
    expect({ id, problems: interleavings(sim.commandLog) }).toEqual({ id, problems: [] });
    expect(sim.state.enabled).toBe(true);
  });
}, 120_000);

test("the overlap check itself catches interleaved sessions", () => {
  const entry = (command: number, sessionId: number): CommandLogEntry => ({ at: 0, command, name: "", transport: "tcp", sessionId });
  const serial = [entry(CMD.connect, 0), entry(50, 7), entry(CMD.exit, 7), entry(CMD.connect, 0), entry(50, 9), entry(CMD.exit, 9)];
  expect(interleavings(serial)).toEqual([]);
  const mixed = [entry(CMD.connect, 0), entry(50, 7), entry(CMD.connect, 0), entry(50, 9), entry(CMD.exit, 7), entry(CMD.exit, 9)];
  expect(interleavings(mixed).length).toBeGreaterThan(0);
});
