// Shared steps of the mutating operations: disable/enable bracket, user lookup, free uid, coded errors.
import { CodedError } from "../../shared/errors";
import type { ZkSession, ZkUser } from "../zk/types";
import { sessionFailed } from "../devices/session-handle";

/** Largest uid the u16 field holds (docs/protocol.md §8.1). */
export const MAX_UID = 65535;

/**
 * Runs `fn` with the terminal disabled (its keypad and sensor locked, docs/protocol.md §4.4) and re-enables it in
 * `finally`. Inside the terminal queue both calls go to the worker's session handle, which skips a DISABLE while
 * the terminal is already disabled and sends ENABLE itself once the burst of queued writes is over (redialling
 * when the session broke); on a plain session they are sent as written. A failed enable here is swallowed: the
 * worker sees the terminal still disabled and retries.
 */
export async function withDisabled<T>(session: ZkSession, fn: () => Promise<T>): Promise<T> {
  try {
    await session.disable();
    return await fn();
  } finally {
    if (!sessionFailed(session)) await session.enable().catch(() => undefined);
  }
}

export function userNotFound(userId: string): CodedError {
  return new CodedError("USER_NOT_FOUND", `User '${userId}' not found`, { user_id: userId });
}

/** The user with badge number `userId`, or USER_NOT_FOUND (404, the seed's "Usuario '123' no encontrado."). */
export function findUser(users: readonly ZkUser[], userId: string): ZkUser {
  const user = users.find((u) => u.userId === userId);
  if (!user) throw userNotFound(userId);
  return user;
}

/** pyzk's choice (largest uid + 1) while it fits a u16, else the lowest gap; DEVICE_FULL when all are taken. */
export function freeUid(users: readonly ZkUser[]): number {
  let max = 0;
  const taken = new Set<number>();
  for (const u of users) {
    taken.add(u.uid);
    if (u.uid > max) max = u.uid;
  }
  if (max + 1 <= MAX_UID) return max + 1;
  for (let uid = 1; uid <= MAX_UID; uid++) if (!taken.has(uid)) return uid;
  throw new CodedError("DEVICE_FULL", "No free uid left on the terminal (1-65535 all taken)");
}
