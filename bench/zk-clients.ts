// The three ZK clients of the benchmark behind one shape: ours (connectZk), node-zklib 1.3.0, zkteco-js 1.7.2.
import { createRequire } from "node:module";
import { connectZk, type ZkAttendance, type ZkUser } from "../agent/zk";

export type Transport = "tcp" | "udp";
export type What = "users" | "attendance";

/**
 * `read` is the client's own call and all that is timed; `normalise` then turns its result into what the check
 * compares (user ids, or `userId@epochMs` per record), outside the timing, since the conversions differ per client
 * (date string parsing for zkteco-js, a Date per record for ours) and are not part of reading the device.
 */
export interface BenchSession {
  read(what: What): Promise<unknown[]>;
  normalise(what: What, result: unknown[]): string[];
  close(): Promise<void>;
}

export interface BenchClient {
  client: string;
  /** Tables this client is measured on (default both). */
  whats?: readonly What[];
  /** A variant of another client, shown for information and left out of the "fastest" verdict. */
  variant?: boolean;
  /** Why this client cannot do a row on this transport, or undefined when it can. */
  unsupported(transport: Transport, what: What): string | undefined;
  open(port: number, transport: Transport): Promise<BenchSession>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const requireCjs = createRequire(import.meta.url);
const localMs = (t: { year: number; month: number; day: number; hour: number; minute: number; second: number }) =>
  new Date(t.year, t.month - 1, t.day, t.hour, t.minute, t.second).getTime();

/** The JS clients print on every connect and error; keep the benchmark table readable. */
async function quiet<T>(fn: () => Promise<T>): Promise<T> {
  const saved = [console.log, console.error, console.warn];
  console.log = console.error = console.warn = () => {};
  try {
    return await fn();
  } finally {
    [console.log, console.error, console.warn] = saved;
  }
}

/**
 * Ours, with the client's defaults (chunks of 65 472 bytes, one READ_BUFFER request ahead). Attendance is read with
 * `resolveUids: false`: the row then returns what the other clients return (user_id and time per record), and
 * 16-byte ZK6 records, which carry no uid, do not cost an extra read of the whole user table.
 */
function oursWith(resolveUids: boolean): BenchClient["open"] {
  return async (port, transport) => {
    const z = await connectZk({ host: "127.0.0.1", port, transport, timeoutMs: 5000 });
    return {
      read: (what) => (what === "users" ? z.getUsers() : z.getAttendance({ resolveUids })),
      normalise: (what, result) =>
        what === "users"
          ? (result as ZkUser[]).map((u) => u.userId)
          : (result as ZkAttendance[]).map((a) => `${a.userId}@${localMs(a.time)}`),
      close: () => z.close(),
    };
  };
}

const ours: BenchClient = { client: "zk-relay", unsupported: () => undefined, open: oursWith(false) };

/** Ours as the agent's attendance.list calls it (uids filled in): on ZK6 terminals that adds the user table read. */
const oursResolvingUids: BenchClient = {
  client: "zk-relay (uids resolved)",
  whats: ["attendance"],
  variant: true,
  unsupported: () => undefined,
  open: oursWith(true),
};

/** node-zklib: TCP to a TFT terminal; UDP through its own fallback when TCP is refused (a zk6 terminal). */
const nodeZklib: BenchClient = {
  client: "node-zklib@1.3.0",
  unsupported: () => undefined,
  async open(port, transport) {
    const ZKLib = requireCjs("node-zklib");
    const z: Any = new ZKLib("127.0.0.1", port, 5000, 0);
    await quiet(() => z.createSocket());
    if (z.connectionType !== transport) throw new Error(`connected over ${z.connectionType}, wanted ${transport}`);
    return {
      read: (what) =>
        quiet(async () => {
          const { data, err } = what === "users" ? await z.getUsers() : await z.getAttendances();
          if (err) throw err instanceof Error ? err : new Error(String(err));
          return data as unknown[];
        }),
      normalise: (what, data: Any[]) =>
        what === "users"
          ? data.map((u: Any) => String(u.userId))
          : data.map((r: Any) => `${String(r.deviceUserId)}@${r.recordTime.getTime()}`),
      close: () => quiet(() => z.disconnect()),
    };
  },
};

const zktecoJs: BenchClient = {
  client: "zkteco-js@1.7.2",
  unsupported: (transport) =>
    transport === "udp"
      ? "zkteco-js 1.7.2 never falls back to UDP (it wraps the TCP error before testing err.code), and its UDP " +
        "buffered read returns undefined (handleChunkedData has no return value), so UDP tables above one " +
        "1024-byte packet cannot be read from any device"
      : undefined,
  async open(port) {
    const ZK = requireCjs("zkteco-js");
    const z: Any = new ZK("127.0.0.1", port, 5000, 0);
    await quiet(() => z.createSocket());
    return {
      read: (what) =>
        quiet(async () => {
          const { data } = what === "users" ? await z.getUsers() : await z.getAttendances();
          return data as unknown[];
        }),
      normalise: (what, data: Any[]) =>
        what === "users"
          ? data.map((u: Any) => String(u.userId))
          : data.map((r: Any) => `${r.user_id}@${new Date(r.record_time).getTime()}`),
      close: () => quiet(() => z.disconnect()),
    };
  },
};

export const BENCH_CLIENTS: readonly BenchClient[] = [ours, nodeZklib, zktecoJs, oursResolvingUids];
