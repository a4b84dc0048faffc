// Shared setup for the agent's simulator tests: known terminal data, simulators closed after each test, targets.
import { createServer } from "node:net";
import type { DeviceTarget } from "../../shared/device";
import { OPS, type OpName, type OpResult } from "../../shared/ops";
import { createDispatcher, type Dispatcher } from "../../agent/ops";
import { startSimulator, type SimData, type Simulator, type SimulatorOptions } from "../../agent/zk/sim";

export const HOST = "127.0.0.1";

/** Deterministic bytes standing in for a fingerprint template (real ones are opaque blobs, docs/protocol.md §10). */
export function templateBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  // A trailing non-zero byte: the single-read path strips padding NULs (§10.2), real templates do not end in them.
  out[length - 1] = 0x5a;
  return out;
}

const b64 = (u: Uint8Array) => Buffer.from(u).toString("base64");

/** Three people; "1002" has two fingers, one of them a duress finger (flag 3). */
export function sampleData(extraTemplates = 0): SimData {
  const templates = [
    { uid: 1, finger: 1, flag: 1, template: b64(templateBytes(1, 700)) },
    { uid: 2, finger: 0, flag: 1, template: b64(templateBytes(2, 1210)) },
    { uid: 2, finger: 6, flag: 3, template: b64(templateBytes(3, 980)) },
  ];
  const users = [
    { uid: 1, userId: "1001", name: "Ana", privilege: 14, password: "1234", card: 555 },
    { uid: 2, userId: "1002", name: "Bob", card: 8_000_001, group: 3 },
    { uid: 5, userId: "1005", name: "Eve" },
  ];
  // Filler people and fingers to push the template table past the bulk-read threshold.
  for (let i = 0; i < extraTemplates; i++) {
    users.push({ uid: 100 + i, userId: String(5000 + i), name: `P${i}` });
    templates.push({ uid: 100 + i, finger: 2, flag: 1, template: b64(templateBytes(100 + i, 600)) });
  }
  return {
    users,
    templates,
    attendance: [
      { userId: "1001", time: "2024-03-14 08:00:00", status: 1, punch: 0 },
      { userId: "1002", time: "2024-03-15 08:05:00", status: 1, punch: 0 },
      { userId: "1001", time: "2024-03-15 17:02:09", status: 1, punch: 1 },
    ],
  };
}

/** Starts simulators on 127.0.0.1:0 and closes them all in afterEach. */
export function simulators() {
  const live = new Set<Simulator>();
  return {
    async start(opts: SimulatorOptions = {}): Promise<Simulator> {
      const sim = await startSimulator({ host: HOST, port: 0, data: sampleData(), ...opts });
      live.add(sim);
      return sim;
    },
    async closeAll(): Promise<void> {
      await Promise.all([...live].map((s) => s.close()));
      live.clear();
    },
  };
}

/** The relay target for a simulator: TCP for the tft profile, UDP for zk6 (which has no TCP, §1). */
export function simTarget(sim: Simulator, over: Partial<DeviceTarget> = {}): DeviceTarget {
  return { id: "principal", ip: HOST, port: sim.port, transport: sim.profile === "tft" ? "tcp" : "udp", password: 0, timeout: 2, ...over };
}

/** Runs one op through the dispatcher (queue + real client) and checks the result against the shared schema. */
export async function call<O extends OpName>(d: Dispatcher, device: DeviceTarget, op: O, args: unknown = {}, deadlineMs = 10_000) {
  const parsed = OPS[op].args.parse(args);
  const result = await d.dispatch({ op, device, args: parsed, deadline: Date.now() + deadlineMs });
  return OPS[op].result.parse(result) as OpResult<O>;
}

export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

/** A loopback TCP port where nothing listens: bound on port 0, noted, closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export { createDispatcher };
