// Catch-up cursors: how much of a terminal's log the agent has emitted, persisted per terminal, and the catch-up plan.
import { join } from "node:path";
import { z } from "zod";
import type { AttendanceRecord } from "../../shared/ops";
import type { Logger } from "../log";
import { ensureDir, readJsonFiles, writeDurable } from "../state/files";

/** What identifies a log record (the dedupe key's fields, docs/events.md §3). */
export function fingerprint(r: Pick<AttendanceRecord, "user_id" | "timestamp" | "status" | "punch"> & Partial<AttendanceRecord>): string {
  return `${r.user_id}|${r.timestamp}|${r.status}|${r.punch}`;
}

export const LogCursor = z.object({
  device_id: z.string(),
  /** Records of the log already emitted: the log's first `count` records. */
  count: z.number().int().min(0),
  /** Fingerprint of record `count - 1`: a log refilled after a clear is told apart from the one we read. */
  last: z.string().optional(),
  /** When it was written (epoch ms), for people reading the state dir. */
  at: z.number().optional(),
});
export type LogCursor = z.infer<typeof LogCursor>;

export interface CatchUpPlan {
  /** Index of the first record to emit. */
  from: number;
  /** The log was cleared or shrank since the cursor was written (docs/events.md §5). */
  reset?: { previous: number; now: number };
}

/**
 * Where to resume in `log` (docs/events.md §4, §5): after the cursor when the log still starts with what the cursor
 * saw; from the start — reporting a reset — when it is shorter than the cursor or its record at the cursor's last
 * position is another one; from the start, without a reset, when there is no cursor (the first import).
 */
export function planCatchUp(cursor: LogCursor | undefined, log: readonly AttendanceRecord[]): CatchUpPlan {
  if (!cursor) return { from: 0 };
  const reset = { from: 0, reset: { previous: cursor.count, now: log.length } };
  if (log.length < cursor.count) return reset;
  if (cursor.count > 0 && cursor.last !== undefined && fingerprint(log[cursor.count - 1]!) !== cursor.last) return reset;
  return { from: cursor.count };
}

/** A file name for a terminal's cursor: the registry id and address, in characters every file system takes. */
export function cursorFile(deviceId: string, key: string): string {
  return `${`${deviceId}@${key}`.replace(/[^A-Za-z0-9._@-]/g, "_")}.json`;
}

/** The cursors of every watched terminal, one fsync'd file each under `<state dir>/live`. */
export class CursorStore {
  private readonly cursors = new Map<string, LogCursor>();

  private constructor(private readonly dir: string) {}

  static async open(stateDir: string, logger: Logger): Promise<CursorStore> {
    const dir = join(stateDir, "live");
    await ensureDir(dir);
    const store = new CursorStore(dir);
    const files = await readJsonFiles(dir, (name, err) => logger.error("unreadable catch-up cursor skipped; that terminal's log is read again", { file: name, error: err }));
    for (const { name, value } of files) {
      const parsed = LogCursor.safeParse(value);
      if (parsed.success) store.cursors.set(name, parsed.data);
    }
    return store;
  }

  get(deviceId: string, key: string): LogCursor | undefined {
    return this.cursors.get(cursorFile(deviceId, key));
  }

  async set(deviceId: string, key: string, cursor: Omit<LogCursor, "device_id" | "at">): Promise<void> {
    const value: LogCursor = { device_id: deviceId, ...cursor, at: Date.now() };
    const name = cursorFile(deviceId, key);
    await writeDurable(this.dir, name, JSON.stringify(value));
    this.cursors.set(name, value);
  }
}
