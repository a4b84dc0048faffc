// users.delete answers that arrive after RELAY_TIMEOUT: the terminal did delete the user, so its snapshot is kept anyway.
import { OPS } from "../../shared/ops";
import { insertSnapshot } from "../db/snapshots";
import type { RelayOutcome } from "./contract";

const PREFIX = "late:";
/** How long a timed-out users.delete waits for its late answer (the agent gives up at the frame's deadline). */
export const LATE_KEEP_MS = 15 * 60 * 1000;
// Request ids are our own crypto.randomUUID(); anything else from the agent is not looked up.
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Who and what a timed-out users.delete was for: enough to store its snapshot as the original call would have. */
export interface LateDelete {
  siteId: string;
  deviceId: string;
  /** created_at of the device's registry row when the request was made (absent: any row with that id). */
  deviceCreatedAt?: string;
  userId: string;
  /** API key id of the caller (user_snapshots.deleted_by). */
  keyId: string;
  /** Epoch ms the request timed out. */
  at: number;
}

/**
 * Remembers a users.delete that timed out. Kept in ctx.storage, not memory: with nothing in flight the Durable
 * Object may hibernate before the answer comes. Expired entries are swept here, a few at a time.
 */
export async function rememberLateDelete(storage: DurableObjectStorage, requestId: string, info: LateDelete): Promise<void> {
  await storage.put(PREFIX + requestId, info);
  const entries = await storage.list<LateDelete>({ prefix: PREFIX, limit: 50 });
  const expired = [...entries].filter(([, v]) => info.at - v.at > LATE_KEEP_MS).map(([k]) => k);
  if (expired.length > 0) await storage.delete(expired);
}

/** The timed-out users.delete `requestId` was, once (the entry is removed); undefined when there is none. */
export async function takeLateDelete(storage: DurableObjectStorage, requestId: string, now: number): Promise<LateDelete | undefined> {
  if (!REQUEST_ID.test(requestId)) return undefined;
  const key = PREFIX + requestId;
  const info = await storage.get<LateDelete>(key);
  if (info === undefined) return undefined;
  await storage.delete(key);
  return now - info.at > LATE_KEEP_MS ? undefined : info;
}

/**
 * Handles the late answer: a success stores the snapshot (deleted_by = the original caller), everything is
 * logged with device and user_id — the caller was told RELAY_TIMEOUT, so this log is where the truth is. Never throws.
 */
export async function settleLateDelete(db: D1Database, info: LateDelete, outcome: RelayOutcome): Promise<void> {
  const where = `[site-relay ${info.siteId}] late users.delete on device ${info.deviceId} for user_id ${info.userId}`;
  if (!outcome.ok) {
    console.warn(`${where}: the agent answered ${outcome.error.code} after the caller got RELAY_TIMEOUT`);
    return;
  }
  const parsed = OPS["users.delete"].result.safeParse(outcome.result);
  if (!parsed.success) {
    console.error(`${where}: the user was deleted but the result is invalid; NO snapshot could be kept (restore impossible)`);
    return;
  }
  try {
    const snapshotId = await insertSnapshot(db, {
      deviceId: info.deviceId,
      deviceCreatedAt: info.deviceCreatedAt,
      userId: info.userId,
      snapshot: parsed.data.snapshot,
      deletedBy: info.keyId,
      now: new Date().toISOString(),
    });
    if (snapshotId === null) console.error(`${where}: the device left the registry meanwhile; snapshot not kept`);
    else console.warn(`${where}: the user was deleted after the caller got RELAY_TIMEOUT; snapshot ${snapshotId} saved`);
  } catch (e) {
    console.error(`${where}: the user was deleted but its snapshot could not be saved: ${e instanceof Error ? e.message : String(e)}`);
  }
}
