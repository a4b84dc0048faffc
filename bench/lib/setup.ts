// The system under benchmark: gateway in workerd (Miniflare), a real agent process, simulated terminals, a write key.
import type { DeviceTarget } from "../../shared/device";
import { apiClient, waitFor, type ApiClient } from "../../scripts/lib/api-client";
import type { PersonSpec, TerminalSpec } from "../../scripts/lib/terminals";
import { startSystem, type System, type TerminalSetup } from "../../test/e2e/harness/system";
import type { Simulator } from "../../agent/zk/sim";

/** (a): one terminal on loopback with no added latency and a small user table. */
export const CLOCK_TERMINAL = "reloj";
/** The clock terminal's simulator: a small table, no added latency. */
export const CLOCK_SIM: TerminalSpec = { profile: "tft", seed: 11, users: 20, records: 100, templates: 10 };
/** (b): ten terminals, ids t0…t9; every fifth is a UDP-only ZK6 terminal, the rest TFT over TCP. */
export const LOAD_TERMINALS = Array.from({ length: 10 }, (_, i) => `t${i}`);
/** (c): 3,000 users at 2 ms per packet. */
export const BIG_TERMINAL = "grande";
export const BIG_USERS = 3000;
export const BIG_LATENCY_MS = 2;
/** The people (c) deletes, each with two enrolled fingers; put back after every measured delete. */
export const DOOMED: PersonSpec[] = Array.from({ length: 20 }, (_, i) => ({
  userId: `B90${String(i + 1).padStart(3, "0")}`,
  name: `Baja ${i + 1}`,
  fingers: [0, 1],
}));

function terminals(): Record<string, TerminalSetup> {
  const out: Record<string, TerminalSetup> = {
    [CLOCK_TERMINAL]: { transport: "tcp", timeout: 5, sim: CLOCK_SIM },
    [BIG_TERMINAL]: {
      transport: "tcp",
      timeout: 5,
      sim: {
        profile: "tft",
        seed: 12,
        users: BIG_USERS - DOOMED.length,
        records: 1000,
        templates: BIG_USERS,
        latencyMs: BIG_LATENCY_MS,
        // Packet and command counts are read as differences of the log; it must not wrap during the run.
        commandLogLimit: 1_000_000,
        people: DOOMED,
      },
    },
  };
  LOAD_TERMINALS.forEach((id, t) => {
    const udp = t % 5 === 4;
    out[id] = {
      transport: udp ? "udp" : "tcp",
      timeout: 5,
      sim: { profile: udp ? "zk6" : "tft", seed: 20 + t, users: 30, records: 200, templates: 20 },
    };
  });
  return out;
}

export interface BenchSystem {
  sys: System;
  /** A stored `write` key (looked up in D1 per request, as production callers are), not the bootstrap admin key. */
  api: ApiClient;
  sim(id: string): Simulator;
  /** The registry entry of `id` as a relay request carries it (for the in-process baselines). */
  target(id: string): DeviceTarget;
}

export async function startBenchSystem(): Promise<BenchSystem> {
  const sys = await startSystem({ site: "bench", terminals: terminals() });
  try {
    const created = await sys.api.post("/admin/keys", { name: "bench", role: "write" });
    const key = created.body?.data?.key;
    if (created.status !== 201 || typeof key !== "string") throw new Error(`POST /admin/keys answered ${created.status}: ${created.text}`);
    const specs = terminals();
    const sim = (id: string) => {
      const s = sys.sims[id];
      if (!s) throw new Error(`no simulator '${id}'`);
      return s;
    };
    return {
      sys,
      api: apiClient(sys.gateway.url, key),
      sim,
      target: (id) => ({ id, ip: "127.0.0.1", port: sim(id).port, transport: specs[id]!.transport, password: 0, timeout: specs[id]!.timeout ?? 5 }),
    };
  } catch (err) {
    await sys.close();
    throw err;
  }
}

/**
 * Waits until no ZK session is open on `sim` (the agent closes its session after answering) and its packet counter
 * has settled: the simulator counts a packet when the kernel takes the write, which can land after the client has
 * read the EXIT reply and hung up — read too early, that packet would be billed to the next measurement.
 */
export async function sessionsClosed(sim: Simulator, timeoutMs = 5000): Promise<void> {
  await waitFor("the terminal's sessions to close", async () => (sim.state.sessions === 0 ? true : undefined), { timeoutMs, intervalMs: 2 });
  for (;;) {
    const before = sim.packetsSent;
    await new Promise((r) => setTimeout(r, 20));
    if (sim.packetsSent === before) return;
  }
}
