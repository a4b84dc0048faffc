// Settling an outbox entry whose outcome the agent never learned: ask the terminal whether the change happened.
import { jobBudgetMs } from "../../shared/budget";
import type { DeviceTarget } from "../../shared/device";
import type { OpName } from "../../shared/ops";
import type { ZkSession } from "../zk/types";
import type { DevicePool } from "../devices/pool";

/** An unsettled write-ahead: the request and the result it would report if its change happened. */
export interface Unsettled {
  op: string;
  device: DeviceTarget;
  args: unknown;
  ifCommitted: unknown;
}

type Settler = (session: ZkSession, entry: Unsettled) => Promise<boolean>;

/**
 * users.delete happened iff the terminal no longer has the snapshot's user at its uid. A user re-created since under
 * the same user_id gets another uid (or, at that uid, another record), so it does not count as "still there".
 */
const deleteHappened: Settler = async (session, entry) => {
  const snap = (entry.ifCommitted as { snapshot?: { user?: { uid?: unknown; user_id?: unknown }; record?: unknown } } | null)?.snapshot;
  const uid = snap?.user?.uid;
  const userId = snap?.user?.user_id;
  const record = typeof snap?.record === "string" ? Buffer.from(snap.record, "base64") : undefined;
  const users = await session.getUsers();
  const same = users.find((u) => u.uid === uid && u.userId === userId);
  if (!same) return true;
  // Someone re-created them byte for byte at the same uid is indistinguishable from "never deleted": keep them.
  return record !== undefined && !Buffer.from(same.raw).equals(record) ? true : false;
};

/** One settler per durable-result op. */
const SETTLERS: Partial<Record<OpName, Settler>> = {
  "users.delete": deleteHappened,
};

/**
 * True when `entry`'s change happened on the terminal, false when it did not; throws when the terminal cannot
 * tell now (unreachable: try again later). An op without a settler is treated as not happened (logged by the caller).
 */
export async function settleOnTerminal(pool: DevicePool, entry: Unsettled): Promise<boolean> {
  const settler = SETTLERS[entry.op as OpName];
  if (!settler) return false;
  const budget = jobBudgetMs(entry.device.timeout, true);
  return pool.run(entry.device, Date.now() + budget, (session) => settler(session, entry));
}
