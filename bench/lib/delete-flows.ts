// (c) Deleting on a 3,000-user terminal at 2 ms per packet: our flow (relay + per-terminal queue + snapshot) against
// the seed's (pyzk style: a fresh connection per request), one delete and a burst of twenty, wall time and packets.
import { CMD } from "../../agent/zk/codec";
import { connectZk } from "../../agent/zk";
import { createDispatcher } from "../../agent/ops";
import { silentLogger } from "../../agent/log";
import type { DeviceTarget } from "../../shared/device";
import { addPerson, type PersonSpec } from "../../scripts/lib/terminals";
import { BIG_LATENCY_MS, BIG_TERMINAL, BIG_USERS, DOOMED, sessionsClosed, type BenchSystem } from "./setup";
import { median, round } from "./stats";
import type { Row } from "./report";

export const SINGLE_REPS = 5;
export const BURST_REPS = 3;

type Flow = (people: readonly PersonSpec[]) => Promise<void>;

/**
 * The seed's delete as its Flask + pyzk server runs it (docs/http-api.md §1), with our ZK
 * client: connect → disable → read every user → find by user_id → delete_user(uid) → enable → disconnect. pyzk's
 * delete_user sends REFRESHDATA after DELETE_USER (docs/protocol.md §8.9), so the flow does too.
 */
export async function seedDelete(target: DeviceTarget, userId: string): Promise<void> {
  const session = await connectZk({ host: target.ip, port: target.port, transport: "tcp", commKey: target.password, timeoutMs: target.timeout * 1000 });
  try {
    await session.disable();
    try {
      const user = (await session.getUsers()).find((u) => u.userId === userId);
      if (!user) throw new Error(`seed flow: user '${userId}' not found`);
      await session.deleteUser(user.uid);
      await session.refreshData();
    } finally {
      await session.enable();
    }
  } finally {
    await session.close();
  }
}

interface Measured {
  ms: number;
  packets: number;
  commands: number;
  sessions: number;
  /** Relayed flows: the agent's own time per request (its request log's duration_ms: queue, op, write-ahead). */
  agentMs?: number;
}

/** Median duration_ms of the agent's users.delete request log lines from index `from` on. */
function agentDeleteMs(b: BenchSystem, from: number): number | undefined {
  const times = (b.sys.agent?.logs ?? [])
    .slice(from)
    .filter((l) => l.op === "users.delete" && typeof l.duration_ms === "number")
    .map((l) => l.duration_ms as number);
  return times.length > 0 ? median(times) : undefined;
}

export async function benchDeletes(b: BenchSystem, progress: (line: string) => void): Promise<Row[]> {
  const sim = b.sim(BIG_TERMINAL);
  const target = b.target(BIG_TERMINAL);
  const dispatcher = createDispatcher({ logger: silentLogger });

  const relayOne = async (p: PersonSpec) => {
    const answer = await b.api.del(`/devices/${BIG_TERMINAL}/users/${p.userId}`);
    const expected = `Usuario '${p.userId}' eliminado.`;
    if (answer.status !== 200 || answer.body?.message !== expected) throw new Error(`DELETE ${p.userId} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
  };
  const inProcessOne = async (p: PersonSpec) => {
    await dispatcher.dispatch({ op: "users.delete", device: target, args: { user_id: p.userId }, deadline: Date.now() + 60_000 });
  };
  const flows: Array<{ name: string; single: Flow; burst: Flow }> = [
    {
      name: "ours: DELETE via the relay (agent users.delete, snapshot incl. templates)",
      single: ([p]) => relayOne(p!),
      // Five concurrent callers: the agent's per-terminal queue runs them back to back on one session.
      burst: async (people) => void (await Promise.all(people.map(relayOne))),
    },
    {
      name: "ours: agent dispatcher in-process (same op, no relay)",
      single: ([p]) => inProcessOne(p!),
      burst: async (people) => void (await Promise.all(people.map(inProcessOne))),
    },
    {
      name: "seed: pyzk-style, a fresh connection per request",
      single: ([p]) => seedDelete(target, p!.userId),
      // The seed's server locks the device per request, so a burst runs one connection after another.
      burst: async (people) => {
        for (const p of people) await seedDelete(target, p.userId);
      },
    },
  ];

  const measure = async (flow: Flow, people: readonly PersonSpec[]): Promise<Measured> => {
    await sessionsClosed(sim);
    const packets0 = sim.packetsSent;
    const log0 = sim.commandLog.length;
    const agentLog0 = b.sys.agent?.logs.length ?? 0;
    const t0 = performance.now();
    await flow(people);
    const ms = performance.now() - t0;
    // Counted once the session is gone, so the EXIT exchange is included for every flow alike.
    await sessionsClosed(sim);
    const entries = sim.commandLog.slice(log0);
    const present = new Set(sim.state.users().map((u) => u.userId));
    for (const p of people) {
      if (present.has(p.userId)) throw new Error(`user ${p.userId} is still on the terminal`);
      addPerson(sim, p); // put back (new uid, same fingers) so every run starts from 3,000 users
    }
    if (!sim.state.enabled) throw new Error("the terminal was left disabled");
    if (sim.state.users().length !== BIG_USERS) throw new Error(`expected ${BIG_USERS} users, found ${sim.state.users().length}`);
    return {
      ms,
      packets: sim.packetsSent - packets0,
      commands: entries.length,
      sessions: entries.filter((e) => e.command === CMD.connect).length,
      agentMs: agentDeleteMs(b, agentLog0),
    };
  };

  const rows: Row[] = [];
  for (const [kind, reps, people] of [
    ["single", SINGLE_REPS, DOOMED.slice(0, 1)],
    ["burst", BURST_REPS, DOOMED],
  ] as const) {
    const results = new Map<string, Measured[]>(flows.map((f) => [f.name, []]));
    // Flows take turns each repetition, so drift (GC, D1 growth) spreads evenly.
    for (let rep = 0; rep < reps; rep++) {
      for (const f of flows) results.get(f.name)!.push(await measure(kind === "single" ? f.single : f.burst, people));
    }
    for (const f of flows) {
      const m = results.get(f.name)!;
      const what = kind === "single" ? `1 delete, ${BIG_USERS} users, ${BIG_LATENCY_MS} ms/packet — ${f.name}` : `burst of ${people.length} deletes — ${f.name}`;
      const row: Row = {
        bench: "delete",
        what,
        ms: round(median(m.map((x) => x.ms))),
        packets: median(m.map((x) => x.packets)),
        commands: median(m.map((x) => x.commands)),
        sessions: median(m.map((x) => x.sessions)),
        n: m.length,
      };
      rows.push(row);
      const agent = m.map((x) => x.agentMs).filter((x): x is number => x !== undefined);
      if (f.name.includes("via the relay") && agent.length > 0) {
        // Relayed: how much of the wall time the agent itself took (from request to answer, its log line), the rest
        // being HTTP, gateway (D1 snapshot and audit writes), Durable Object, WebSocket and the outbox's final write.
        rows.push({ bench: "delete", what: `  of which the agent's own time per request (median of its request log)`, ms: round(median(agent)), n: agent.length });
      }
      progress(`${kind} ${f.name}: ${row.ms} ms, ${row.packets} packets, ${row.sessions} session(s) [${m.map((x) => Math.round(x.ms)).join(", ")} ms]`);
    }
  }
  await dispatcher.pool.idle();
  return rows;
}
