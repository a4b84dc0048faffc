// Opening a terminal session for a worker: the session factory, retried only where a retry can help.
import type { DeviceTarget } from "../../shared/device";
import type { ZkSession } from "../zk/types";
import type { SessionFactory } from "./session-factory";

/** Pauses before redialling a terminal whose previous session just broke. */
export const RETRY_AFTER_FAILURE_MS = [100, 400] as const;
/** A connect refused faster than this is an answer (a terminal still holding the old session, docs/protocol.md §4.3), not silence. */
const FAST_REFUSAL_MS = 1000;

/**
 * Opens a session, retrying after each delay in `retryDelays`. A wrong comm key will not get better, and an
 * unreachable terminal is retried only when it refused fast — a terminal still holding our broken session closes
 * the new connection at once (docs/protocol.md §4.3; the client reports DEVICE_UNREACHABLE) — because a silent one costs
 * a whole timeout per try; those are left to the next request and the pool's background re-enable.
 */
export async function dial(
  factory: SessionFactory,
  target: DeviceTarget,
  retryDelays: readonly number[],
  now: () => number,
): Promise<ZkSession> {
  const fastMs = Math.min(FAST_REFUSAL_MS, (target.timeout * 1000) / 2);
  for (let attempt = 0; ; attempt++) {
    const started = now();
    try {
      return await factory(target);
    } catch (err) {
      const delay = retryDelays[attempt];
      const code = (err as { code?: unknown } | null)?.code;
      const silent = code === "DEVICE_UNREACHABLE" && now() - started >= fastMs;
      if (delay === undefined || code === "DEVICE_AUTH_FAILED" || silent) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** What a session is bound to besides the address: another transport, comm key or timeout needs another session. */
export function sessionSignature(t: DeviceTarget): string {
  return `${t.transport}|${t.password}|${t.timeout}`;
}
