// The ZK client's public data types and session interface: what the agent's operations program against.

/** Device-local wall-clock time; terminals have no time zone (docs/protocol.md §6). */
export interface ZkDateTime {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
  hour: number;
  minute: number;
  second: number;
}

/** One user record, decoded; `raw` keeps the exact bytes so a restore writes back what was read. */
export interface ZkUser {
  uid: number;
  userId: string;
  name: string;
  privilege: number;
  password: string;
  card: number;
  /** Byte 39 of the 72-byte record / byte 21 of the 28-byte record. */
  group: number;
  /** pyzk's reading of bytes 40-46 of the 72-byte record ("" on 28-byte firmware). */
  groupId: string;
  format: 28 | 72;
  raw: Uint8Array;
}

/** Fields for writing a user; the client encodes them in the device's record format. */
export interface ZkUserInput {
  uid: number;
  userId: string;
  name?: string;
  privilege?: number;
  password?: string;
  card?: number;
  group?: number;
  groupId?: string;
}

export interface ZkAttendance {
  uid: number;
  /** The badge number; "" when the record carries only a uid that no current user has (never the uid as text). */
  userId: string;
  time: ZkDateTime;
  status: number;
  punch: number;
}

export interface ZkTemplate {
  uid: number;
  finger: number; // 0-9
  flag: number; // 0 invalid, 1 valid, 3 duress
  template: Uint8Array;
}

export interface ZkFreeSizes {
  users: number;
  fingers: number;
  records: number;
  usersCap: number;
  fingersCap: number;
  recordsCap: number;
}

export interface ZkDeviceInfo {
  serial: string;
  platform: string;
  firmware: string;
  deviceName: string;
  mac: string;
  fpVersion: string;
  sizes: ZkFreeSizes;
  time: ZkDateTime;
}

export type ZkTransportKind = "tcp" | "udp" | "auto";

export interface ZkConnectOptions {
  host: string;
  port?: number; // 4370
  transport?: ZkTransportKind; // "auto" = TCP, then UDP
  commKey?: number; // 0 = none
  /** Per-packet timeout in milliseconds (bulk reads: per chunk, not per table). */
  timeoutMs?: number;
}

/**
 * An open, authenticated session with one terminal. One command in flight at a time.
 *
 * Writes (setTime, setUser, setUserRaw, deleteUser, clearAttendance, deleteTemplate, saveUsersWithTemplates) do not
 * send REFRESHDATA: the caller calls refreshData() once after its writes, as pyzk does (docs/protocol.md §8.10), so each
 * write's own reply is its commit point and a failed refresh never makes an applied write look failed.
 */
export interface ZkSession {
  readonly transport: "tcp" | "udp";
  readonly userFormat: 28 | 72 | undefined;
  /** Charset of names and passwords on this terminal (docs/protocol.md §8.5); absent = UTF-8. */
  readonly encoding?: string;
  /** Packets sent and received so far (for benchmarks and logs). */
  readonly packets: { sent: number; received: number };

  info(): Promise<ZkDeviceInfo>;
  /** One option value (CMD_OPTIONS_RRQ, docs/protocol.md §5.2), "" when unknown; optional for sessions that cannot ask. */
  readOption?(name: string): Promise<string>;
  freeSizes(): Promise<ZkFreeSizes>;
  getTime(): Promise<ZkDateTime>;
  setTime(time: ZkDateTime): Promise<void>;
  disable(): Promise<void>;
  enable(): Promise<void>;
  /** CMD_REFRESHDATA: the terminal reloads its tables; call once after writes (§8.10). */
  refreshData(): Promise<void>;

  /** `known.users`: a user count just read with the terminal disabled, so GET_FREE_SIZES is not sent again. */
  getUsers(known?: { users: number }): Promise<ZkUser[]>;
  /** Upserts by uid, in the device's record format. */
  setUser(user: ZkUserInput): Promise<void>;
  /** Writes a record read earlier byte for byte (restore). */
  setUserRaw(raw: Uint8Array): Promise<void>;
  deleteUser(uid: number): Promise<void>;

  getAttendance(): Promise<ZkAttendance[]>;
  clearAttendance(): Promise<void>;

  getTemplates(): Promise<ZkTemplate[]>;
  /** One template, or undefined when that finger is empty. */
  getTemplate(uid: number, finger: number): Promise<ZkTemplate | undefined>;
  /** Several fingers of one user at once (pipelined where the terminal allows); absent fingers left out. Optional. */
  getUserTemplates?(uid: number, fingers?: readonly number[]): Promise<ZkTemplate[]>;
  deleteTemplate(uid: number, finger: number): Promise<void>;
  /** Batch upload of users (raw records) with their templates (docs/protocol.md §10.4). */
  saveUsersWithTemplates(users: Uint8Array[], templates: ZkTemplate[]): Promise<void>;

  startEnroll(userId: string, finger: number): Promise<void>;
  restart(): Promise<void>;
  unlock(seconds: number): Promise<void>;
  testVoice(index: number): Promise<void>;

  /** CMD_REG_EVENT: which realtime events to send (mask of EF flags, docs/protocol.md §11.1); absent where unsupported. */
  regEvent?(mask: number): Promise<void>;
  /** Realtime event packets as they arrive (acknowledged for you, §11.4); returns the unsubscribe function. */
  onEvent?(listener: (packet: { command: number; sessionId: number; replyId: number; payload: Uint8Array }) => void): () => void;

  /** Sends EXIT (best effort) and closes the socket. Safe to call twice. */
  close(): Promise<void>;
}
