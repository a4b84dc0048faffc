// Public types of the device simulator: options, the running simulator handle, faults and data files.
import type { ZkAttendance, ZkDateTime, ZkTemplate, ZkUser, ZkUserInput } from "../types";

/** tft: 72-byte users, 40-byte attendance, TCP+UDP. zk6: 28-byte users, 16- (or 8-) byte attendance, UDP only. */
export type SimProfile = "tft" | "zk6";
export type SimTransport = "tcp" | "udp";

/** EF_ATTLOG event payload lengths clients parse (docs/protocol.md §11.3). */
export type SimEventForm = 10 | 12 | 14 | 32 | 36 | 37 | 52;

export interface SimulatorOptions {
  /** Address to bind; tests and the CLI default to loopback. */
  host?: string;
  /** 0 = any free port; TCP and UDP are bound to the same number. */
  port?: number;
  profile?: SimProfile;
  /** Communication password; 0 / undefined = none (docs/protocol.md §4.2). */
  commKey?: number;
  /** Generated data (deterministic for a seed); ignored when `dataFile` or `data` is given. */
  users?: number;
  records?: number;
  /** Total templates, spread over the users. */
  templates?: number;
  seed?: number;
  /** Delay added to every packet sent (the benchmark's "network"). */
  latencyMs?: number;
  /** How long a RESTART keeps the terminal silent while it boots, ms (default 1500; docs/protocol.md §12). */
  rebootMs?: number;
  /** Throughput cap in bytes per second (0 / undefined = unlimited). */
  bytesPerSecond?: number;
  /** JSON file with `{ users, attendance, templates }` (see SimData). */
  dataFile?: string;
  /** The same data given in code. */
  data?: SimData;
  /** One TCP session at a time like a real terminal (default true); a second client is closed. */
  singleSession?: boolean;
  /** Largest table buffer answered inline with CMD_DATA (default 1016, docs/protocol.md §7.2). */
  inlineThreshold?: number;
  /** Empty tables inline (`00 00 00 00`) instead of buffered; off by default for node-zklib UDP (§7.7). */
  emptyTableInline?: boolean;
  /** Split each READ_BUFFER chunk into 1008-byte CMD_DATA frames over TCP (default: one frame per chunk, §7.6). */
  tcpSplitFrames?: boolean;
  /** Put a packet index instead of the session id in CMD_DATA packets, as some firmware does (§2.3). */
  dataPacketIndex?: boolean;
  /** Answer requests with a bad checksum with ACK_ERROR instead of serving them (default: count and serve, §2.2). */
  strictChecksum?: boolean;
  /** Re-enable the device when the session that disabled it goes away (default false, §4.4 unverified). */
  autoReenableOnDisconnect?: boolean;
  /** What USER_WRQ does with a user_id that another uid already has (default "allow", §8.1). */
  duplicateUserIdPolicy?: "allow" | "reject";
  /** Listen on TCP as well as UDP (default: tft yes, zk6 no — a 28-byte terminal with TCP when set on zk6, §1). */
  tcp?: boolean;
  /** Option table changes (CMD_OPTIONS_RRQ, §5.2): a value replaces the default, null removes the name. */
  deviceOptions?: Record<string, string | null>;
  /**
   * "reversed": a terminal that does not answer pipelined TCP requests in order — requests arriving within a few ms
   * of each other are answered last first, each under its own reply id (default "in-order"; see sim/reorder.ts).
   */
  answerOrder?: "in-order" | "reversed";
  /** DELETE_USER leaves the user's templates behind, as some firmware may (default false: removed, §8.9, §17). */
  deleteUserKeepsTemplates?: boolean;
  /** Commands this firmware does not have: answered ACK_UNKNOWN like any unknown code (e.g. [88], no single-template read). */
  unsupportedCommands?: number[];
  /** zk6 attendance record size (default 16). */
  attendanceSize?: 8 | 16;
  /** EF_ATTLOG payload form (default 36 for tft, 10 for zk6 — what node-zklib expects per transport). */
  eventForm?: SimEventForm;
  /** A random user punches every this many seconds (logged and sent as a realtime event); 0 / undefined = never. */
  punchEverySec?: number;
  /** GET_FREE_SIZES reply length (default 80). */
  freeSizesForm?: 80 | 92;
  /** `~SerialNumber` (default SIM + the seed on 4 digits). */
  serial?: string;
  /** Keep at most this many command log entries (default 10 000). */
  commandLogLimit?: number;
  /** Called with one line per command served (the CLI's --verbose). Never receives the comm key. */
  log?: (line: string) => void;
}

/** Where a fault starts: a bare number or `{ command }` = at the first request with that command code (inclusive);
 * `{ count }` = after that many requests have been answered normally. Absent = the next request. */
export type FaultTrigger = number | { command: number } | { count: number };

interface FaultBase {
  after?: FaultTrigger;
  /** Apply to the triggering request only, then clear (default: stay until `faults.set(null)`). */
  once?: boolean;
}

/**
 * silence: no reply at all. reset-mid-transfer: the next multi-packet reply stops half way (TCP: the socket is
 * reset; UDP: the rest is dropped); other replies pass. corrupt-checksum: replies carry a wrong checksum.
 * garbage: random bytes instead of the reply (TCP: not even a frame).
 */
export type Fault =
  | ({ kind: "silence" } & FaultBase)
  | ({ kind: "reset-mid-transfer" } & FaultBase)
  | ({ kind: "corrupt-checksum" } & FaultBase)
  | ({ kind: "garbage" } & FaultBase);

export interface CommandLogEntry {
  /** performance.now() when the request arrived. */
  at: number;
  command: number;
  name: string;
  transport: SimTransport;
  sessionId: number;
}

/** Read access to the simulated device. */
export interface SimStateView {
  users(): ZkUser[];
  attendance(): ZkAttendance[];
  templates(): ZkTemplate[];
  readonly enabled: boolean;
  /** Live sessions, TCP and UDP. */
  readonly sessions: number;
  readonly serial: string;
  /** Device wall clock now. */
  time(): ZkDateTime;
  option(name: string): string | undefined;
  /** Requests whose checksum did not match (served anyway unless strictChecksum). */
  readonly badChecksums: number;
  /** Every CMD_UNLOCK accepted, oldest first: its duration in tenths of a second, and when (epoch ms). */
  readonly unlocks: readonly { tenths: number; at: number }[];
  /** Whether the door strike is released right now, and until when (epoch ms; 0 = never opened). */
  readonly doorOpen: boolean;
  readonly doorOpenUntil: number;
}

export interface Simulator {
  readonly port: number;
  readonly host: string;
  readonly profile: SimProfile;
  /** Whether TCP is served too (UDP always is). */
  readonly tcp: boolean;
  readonly state: SimStateView;
  readonly commandLog: CommandLogEntry[];
  /** ZK packets sent so far (every transport, events included). */
  readonly packetsSent: number;
  /** Bytes written so far (TCP frame prefixes included). */
  readonly bytesSent: number;
  readonly faults: { set(fault: Fault | null): void; readonly current: Fault | null };
  /** Punches made by the `punchEverySec` timer so far. */
  readonly punches: number;
  /** Logs a punch and sends it as an EF_ATTLOG event to registered sessions; undefined when the device is disabled. */
  emitAttendance(rec?: Partial<ZkAttendance>): ZkAttendance | undefined;
  /** Upserts a user by uid (fields or a raw 28/72-byte record). */
  addUser(user: ZkUserInput | Uint8Array): ZkUser;
  deleteUser(uid: number): boolean;
  /** Appends to the attendance log without an event. */
  addAttendance(rec: ZkAttendance): void;
  /** Wipes the attendance log, as CMD_CLEAR_ATTLOG or the terminal's menu would. */
  clearAttendance(): void;
  addTemplate(t: ZkTemplate): void;
  setTime(t: ZkDateTime): void;
  setEnabled(enabled: boolean): void;
  /** packets × latency + bytes ÷ throughput, in ms: the fastest any client could be on this link. */
  lowerBoundMs(packets: number, bytes: number): number;
  close(): Promise<void>;
}

/** Users/attendance/templates given as data (the `--data` JSON file has this shape). */
export interface SimData {
  users?: Array<SimUserData>;
  attendance?: Array<SimAttendanceData>;
  templates?: Array<SimTemplateData>;
}

/** Either the client's user fields or `raw` (hex of a 28/72-byte record). */
export type SimUserData = Partial<ZkUserInput> & { raw?: string };

export interface SimAttendanceData {
  uid?: number;
  userId: string;
  /** "YYYY-MM-DD HH:mm:ss" device wall clock. */
  time: string;
  status?: number;
  punch?: number;
}

export interface SimTemplateData {
  uid: number;
  finger: number;
  flag?: number;
  /** Base64 of the template bytes. */
  template: string;
}
