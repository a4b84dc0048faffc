// Scoped sessions: whatever fails in between, a terminal we disabled is enabled again and the socket is closed.
import type { ZkSession } from "../types";
import { connectZk, type ZkClientConnectOptions } from "./client";

export interface SessionScopeOptions {
  /** Lock the terminal's keypad and sensor ("Working…") for the duration (§4.4). */
  disable?: boolean;
}

/** An open session and the one call that ends it properly. */
export interface OpenedSession {
  session: ZkSession;
  /** Re-enables the terminal if we disabled it, then closes. Never throws; safe to call twice. */
  release(): Promise<void>;
}

/** Longest wait of the reconnect that re-enables a terminal after its session died. */
const REENABLE_TIMEOUT_MS = 2000;

/** Connects (and disables when asked); the caller must call `release()` in a finally. */
export async function openZkSession(opts: ZkClientConnectOptions, scope: SessionScopeOptions = {}): Promise<OpenedSession> {
  const session = await connectZk(opts);
  let disabled = false;
  let released: Promise<void> | undefined;
  const release = () => (released ??= releaseSession(session, disabled, opts));
  if (scope.disable) {
    // Marked before the reply: a DISABLE that timed out may still have reached the device.
    disabled = true;
    try {
      await session.disable();
    } catch (err) {
      await release();
      throw err;
    }
  }
  return { session, release };
}

/** Runs `fn` in a session; the terminal is enabled again and the session closed whatever `fn` did. */
export async function withZkSession<T>(
  opts: ZkClientConnectOptions,
  fn: (s: ZkSession) => Promise<T>,
  scope: SessionScopeOptions = {},
): Promise<T> {
  const { session, release } = await openZkSession(opts, scope);
  try {
    return await fn(session);
  } finally {
    await release();
  }
}

async function releaseSession(session: ZkSession, disabled: boolean, opts: ZkClientConnectOptions): Promise<void> {
  if (disabled) {
    let enabled = false;
    if (!isDead(session)) enabled = await session.enable().then(() => true, () => false);
    if (!enabled) await reenableViaNewSession(opts);
  }
  await session.close().catch(() => undefined);
}

/**
 * §4.4: a terminal left disabled shows "Working…" and refuses its users until someone enables it, and whether
 * firmware re-enables itself when the session drops is unknown. So when the socket died (reset, garbage, silence),
 * we dial once more, briefly, only to send ENABLEDEVICE. Failures here are swallowed: the caller's error wins.
 */
async function reenableViaNewSession(opts: ZkClientConnectOptions): Promise<void> {
  const timeoutMs = Math.min(opts.timeoutMs ?? REENABLE_TIMEOUT_MS, REENABLE_TIMEOUT_MS);
  try {
    const again = await connectZk({ ...opts, timeoutMs });
    try {
      await again.enable();
    } finally {
      await again.close();
    }
  } catch {
    // The device is gone for now; nothing more we can do from here.
  }
}

function isDead(session: ZkSession): boolean {
  return (session as { dead?: boolean }).dead === true;
}

