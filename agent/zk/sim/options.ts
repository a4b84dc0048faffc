// Simulator options with defaults filled in and checked once, so the rest of the code reads plain values.
import { SimError } from "./errors";
import type { SimData, SimEventForm, SimProfile, SimulatorOptions } from "./types";

export interface ResolvedOptions {
  host: string;
  port: number;
  profile: SimProfile;
  commKey: number;
  users: number;
  records: number;
  templates: number;
  seed: number;
  latencyMs: number;
  rebootMs: number;
  bytesPerSecond: number;
  dataFile: string | undefined;
  data: SimData | undefined;
  singleSession: boolean;
  inlineThreshold: number;
  emptyTableInline: boolean;
  tcpSplitFrames: boolean;
  dataPacketIndex: boolean;
  strictChecksum: boolean;
  autoReenableOnDisconnect: boolean;
  duplicateUserIdPolicy: "allow" | "reject";
  answerOrder: "in-order" | "reversed";
  deleteUserKeepsTemplates: boolean;
  unsupportedCommands: ReadonlySet<number>;
  tcp: boolean;
  deviceOptions: Record<string, string | null>;
  userSize: 28 | 72;
  attendanceSize: 8 | 16 | 40;
  eventForm: SimEventForm;
  /** 0 = no timed punches. */
  punchEveryMs: number;
  freeSizesForm: 80 | 92;
  serial: string;
  commandLogLimit: number;
  log: ((line: string) => void) | undefined;
}

/** A restart keeps the simulated terminal silent this long (real ones take 30-60 s; tests need it short). */
export const DEFAULT_REBOOT_MS = 1500;

/** Default generated data when nothing is asked for: a small, non-empty terminal. */
export const DEFAULT_COUNTS = { users: 10, records: 100, templates: 10 } as const;

const EVENT_FORMS: readonly number[] = [10, 12, 14, 32, 36, 37, 52];

function count(name: string, v: number | undefined, dflt: number, max = 1_000_000): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new SimError("SIM_INVALID_OPTIONS", `${name} must be an integer 0…${max}, got ${v}`);
  }
  return v;
}

/** Fills defaults and rejects impossible values with SIM_INVALID_OPTIONS. */
export function resolveOptions(o: SimulatorOptions): ResolvedOptions {
  const profile = o.profile ?? "tft";
  if (profile !== "tft" && profile !== "zk6") throw new SimError("SIM_INVALID_OPTIONS", `Unknown profile '${String(profile)}'`);
  const seed = count("seed", o.seed, 1, 0xffffffff);
  const eventForm = o.eventForm ?? (profile === "tft" ? 36 : 10);
  if (!EVENT_FORMS.includes(eventForm)) throw new SimError("SIM_INVALID_OPTIONS", `eventForm must be one of ${EVENT_FORMS.join(", ")}`);
  const attendanceSize = profile === "tft" ? 40 : (o.attendanceSize ?? 16);
  if (attendanceSize !== 8 && attendanceSize !== 16 && attendanceSize !== 40) {
    throw new SimError("SIM_INVALID_OPTIONS", `attendanceSize must be 8 or 16, got ${String(o.attendanceSize)}`);
  }
  const users = count("users", o.users, DEFAULT_COUNTS.users, 65534);
  // The default follows the users asked for (a terminal with no users has no templates either).
  const templates = count("templates", o.templates, Math.min(DEFAULT_COUNTS.templates, users));
  if (o.dataFile === undefined && o.data === undefined && templates > users * 10) {
    throw new SimError("SIM_INVALID_OPTIONS", `${templates} templates do not fit ${users} users (10 fingers each)`);
  }
  return {
    host: o.host ?? "127.0.0.1",
    port: count("port", o.port, 0, 65535),
    profile,
    commKey: count("commKey", o.commKey, 0, 0xffffffff),
    users,
    records: count("records", o.records, DEFAULT_COUNTS.records, 10_000_000),
    templates,
    seed,
    latencyMs: nonNegative("latencyMs", o.latencyMs),
    rebootMs: o.rebootMs === undefined ? DEFAULT_REBOOT_MS : nonNegative("rebootMs", o.rebootMs),
    bytesPerSecond: nonNegative("bytesPerSecond", o.bytesPerSecond),
    dataFile: o.dataFile,
    data: o.data,
    singleSession: o.singleSession ?? true,
    inlineThreshold: count("inlineThreshold", o.inlineThreshold, 1016, 0xffffffff),
    emptyTableInline: o.emptyTableInline ?? false,
    tcpSplitFrames: o.tcpSplitFrames ?? false,
    dataPacketIndex: o.dataPacketIndex ?? false,
    strictChecksum: o.strictChecksum ?? false,
    autoReenableOnDisconnect: o.autoReenableOnDisconnect ?? false,
    duplicateUserIdPolicy: o.duplicateUserIdPolicy ?? "allow",
    answerOrder: answerOrder(o.answerOrder),
    deleteUserKeepsTemplates: o.deleteUserKeepsTemplates ?? false,
    unsupportedCommands: new Set(o.unsupportedCommands ?? []),
    tcp: o.tcp ?? profile === "tft",
    deviceOptions: o.deviceOptions ?? {},
    userSize: profile === "tft" ? 72 : 28,
    attendanceSize,
    eventForm,
    punchEveryMs: Math.round(nonNegative("punchEverySec", o.punchEverySec) * 1000),
    freeSizesForm: o.freeSizesForm ?? 80,
    serial: o.serial ?? `SIM${String(seed % 10000).padStart(4, "0")}`,
    commandLogLimit: count("commandLogLimit", o.commandLogLimit, 10_000, 10_000_000),
    log: o.log,
  };
}

function nonNegative(name: string, v: number | undefined): number {
  if (v === undefined) return 0;
  if (!Number.isFinite(v) || v < 0) throw new SimError("SIM_INVALID_OPTIONS", `${name} must be ≥ 0, got ${v}`);
  return v;
}

function answerOrder(v: string | undefined): "in-order" | "reversed" {
  if (v === undefined || v === "in-order" || v === "reversed") return v ?? "in-order";
  throw new SimError("SIM_INVALID_OPTIONS", `answerOrder must be "in-order" or "reversed", got '${v}'`);
}
