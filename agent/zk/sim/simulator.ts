// startSimulator: loads or generates the data, binds TCP and UDP on one port number, exposes the control handle.
import type { ZkAttendance, ZkDateTime, ZkTemplate, ZkUser, ZkUserInput } from "../types";
import { decodeUser28, decodeUser72 } from "../codec";
import { convertData, loadDataFile } from "./data-file";
import { Engine } from "./engine";
import { SimError } from "./errors";
import { EventHub } from "./events";
import { FaultController } from "./faults";
import { PunchClock } from "./punches";
import { generateData, type GeneratedData } from "./generate";
import { resolveOptions, type ResolvedOptions } from "./options";
import type { SimContext } from "./request";
import { SessionTable } from "./session";
import { DeviceState } from "./state";
import { startTcpServer, type TcpServer, type TransportDeps } from "./tcp-server";
import { startUdpServer, type UdpServer } from "./udp-server";
import type { Fault, SimStateView, Simulator, SimulatorOptions } from "./types";
import { encodeUserIn, convertRecord } from "./user-records";

const BIND_ATTEMPTS = 20;

/** Starts a simulated terminal; resolves once TCP (tft only) and UDP listen on the same port number. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const opts = resolveOptions(options);
  const state = new DeviceState(opts);
  load(state, initialData(opts));
  const sessions = new SessionTable(opts.seed, opts.commKey, (s) => {
    // Unknown on real devices whether a lost session re-enables the terminal (docs/protocol.md §4.4): configurable.
    if (opts.autoReenableOnDisconnect && s.disabledDevice) state.enable();
  });
  const events = new EventHub(opts, state, sessions);
  const ctx: SimContext = { opts, state, sessions, events };
  const faults = new FaultController();
  const engine = new Engine(ctx, faults);
  const counters = { packets: 0, bytes: 0 };
  const deps: TransportDeps = {
    engine,
    sessions,
    timing: { latencyMs: opts.latencyMs, bytesPerSecond: opts.bytesPerSecond },
    singleSession: opts.singleSession,
    answerOrder: opts.answerOrder,
    sent: (packets, bytes) => {
      counters.packets += packets;
      counters.bytes += bytes;
    },
    log: opts.log,
  };
  const { tcp, udp } = await bind(opts, deps);
  const clock = opts.punchEveryMs > 0 ? new PunchClock(events, state, opts.punchEveryMs) : undefined;
  clock?.start();

  const view: SimStateView = {
    users: (): ZkUser[] => state.users(),
    attendance: (): ZkAttendance[] => state.attendance(),
    templates: (): ZkTemplate[] => state.templates(),
    get enabled() {
      return state.enabled;
    },
    get sessions() {
      return sessions.count;
    },
    get serial() {
      return state.serial;
    },
    time: (): ZkDateTime => state.now(),
    option: (name) => state.options.get(name),
    get badChecksums() {
      return state.badChecksums;
    },
    get unlocks() {
      return state.unlocks;
    },
    get doorOpen() {
      return state.doorOpen;
    },
    get doorOpenUntil() {
      return state.doorOpenUntil;
    },
  };

  let closed = false;
  return {
    port: udp.port,
    host: opts.host,
    profile: opts.profile,
    tcp: tcp !== undefined,
    state: view,
    commandLog: engine.commandLog,
    get packetsSent() {
      return counters.packets;
    },
    get bytesSent() {
      return counters.bytes;
    },
    faults: {
      set: (f: Fault | null) => faults.set(f),
      get current() {
        return faults.current;
      },
    },
    get punches() {
      return clock?.count ?? 0;
    },
    emitAttendance: (rec?: Partial<ZkAttendance>) => events.attendance(rec),
    addUser: (user: ZkUserInput | Uint8Array) => {
      const raw = user instanceof Uint8Array ? convertRecord(user, state.userSize) : encodeUserIn(user, state.userSize);
      state.putUser(raw);
      events.userEnrolled(raw[0]! | (raw[1]! << 8));
      return raw.length === 72 ? decodeUser72(raw) : decodeUser28(raw);
    },
    deleteUser: (uid: number) => state.deleteUser(uid),
    addAttendance: (rec: ZkAttendance) => state.addAttendance(rec),
    clearAttendance: () => state.clear(1),
    addTemplate: (t: ZkTemplate) => state.putTemplate(t),
    setTime: (t: ZkDateTime) => state.setTime(t),
    setEnabled: (on: boolean) => (on ? state.enable() : state.disable()),
    lowerBoundMs: (packets: number, bytes: number) =>
      packets * opts.latencyMs + (opts.bytesPerSecond > 0 ? (bytes * 1000) / opts.bytesPerSecond : 0),
    close: async () => {
      if (closed) return;
      closed = true;
      clock?.stop();
      sessions.closeAll();
      state.close();
      await Promise.all([tcp?.close(), udp.close()]);
    },
  };
}

function initialData(opts: ResolvedOptions): GeneratedData {
  if (opts.dataFile !== undefined) return loadDataFile(opts.dataFile, opts.userSize);
  if (opts.data !== undefined) return convertData(opts.data, opts.userSize);
  return generateData(opts);
}

function load(state: DeviceState, data: GeneratedData): void {
  for (const u of data.users) state.putUser(u);
  if (state.userCount > state.caps.users) state.caps.users = state.userCount;
  // Data files may name people by user_id only; fill the uid the way the terminal would.
  const uidOf = data.attendance.some((a) => a.uid === 0) ? new Map(state.users().map((u) => [u.userId, u.uid])) : undefined;
  for (const a of data.attendance) state.addAttendance(a.uid === 0 && uidOf ? { ...a, uid: uidOf.get(a.userId) ?? 0 } : a);
  for (const t of data.templates) state.putTemplate(t);
  if (state.templateCount > state.caps.fingers) state.caps.fingers = state.templateCount;
  // Build the served tables now, so the first client's read is not charged for encoding 100 000 records.
  state.userTable();
  state.attendanceTable();
  state.templateTable();
}

/** TCP first (tft, or `tcp`), then UDP on the number TCP got; with port 0, retry when that number is taken for UDP. */
async function bind(opts: ResolvedOptions, deps: TransportDeps): Promise<{ tcp?: TcpServer; udp: UdpServer }> {
  let last: unknown;
  for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
    let tcp: TcpServer | undefined;
    try {
      // zk6 terminals speak UDP only: nothing listens on TCP, so clients get ECONNREFUSED (§1, §4.1).
      if (opts.tcp) tcp = await startTcpServer(opts.host, opts.port, deps);
      const udp = await startUdpServer(opts.host, tcp?.port ?? opts.port, deps);
      return { tcp, udp };
    } catch (err) {
      last = err;
      await tcp?.close();
      if (opts.port !== 0 || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") break;
    }
  }
  const msg = last instanceof Error ? last.message : String(last);
  throw new SimError("SIM_BIND_FAILED", `Cannot listen on ${opts.host}:${opts.port}: ${msg}`, { cause: last });
}
