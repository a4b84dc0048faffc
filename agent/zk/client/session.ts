// Scoped sessions: whatever fails in between, a terminal we disabled is enabled again and the socket is closed.
import { ZkUnreachableError } from "../errors";
import type { ZkSession } from "../types";
import { connectZk, type ZkClientConnectOptions } from "./client";

export interface SessionScopeOptions {
  /** Lock the terminal's keypad and sensor ("Working…") for the duration (docs/protocol.md §4.4). */
  disable?: boolean;
  /** Whole time the redial that re-enables a terminal after its session died may take (default REENABLE_BUDGET_MS). */
  reenableBudgetMs?: number;
}

/** An open session and the one call that ends it properly. */
export interface OpenedSession {
  session: ZkSession;
  /** Re-enables the terminal if we disabled it, then closes. Never throws; safe to call twice. */
  release(): Promise<void>;
}

/** Longest the reconnect that re-enables a terminal after its session died may take, all attempts together. */
export const REENABLE_BUDGET_MS = 2000;

/** Connects (and disables when asked); the caller must call `release()` in a finally. */
export async function openZkSession(opts: ZkClientConnectOptions, scope: SessionScopeOptions = {}): Promise<OpenedSession> {
  const session = await connectZk(opts);
  let disabled = false;
  let released: Promise<void> | undefined;
  const budgetMs = scope.reenableBudgetMs ?? REENABLE_BUDGET_MS;
  const release = () => (released ??= releaseSession(session, disabled, opts, budgetMs));
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

async function releaseSession(session: ZkSession, disabled: boolean, opts: ZkClientConnectOptions, budgetMs: number): Promise<void> {
  const enabled = !disabled || (!isDead(session) && (await session.enable().then(() => true, () => false)));
  await session.close().catch(() => undefined);
  // Closed first: terminals serve one PC session at a time (§4.3), so the old one must be gone before we redial.
  if (!enabled) await reenableViaNewSession(opts, session.transport, budgetMs);
}

/**
 * §4.4: a terminal left disabled shows "Working…" and refuses its users until someone enables it, and whether
 * firmware re-enables itself when the session drops is unknown. So when the socket died (reset, garbage, silence),
 * we dial again, briefly, only to send ENABLEDEVICE. The terminal may not have noticed the dead socket yet and
 * refuse a second PC connection (§4.3), hence a few tries. All of it within `budgetMs`, however slow each step:
 * every packet may wait only what is left of it, and at the deadline we stop waiting; a session that opens after
 * that is closed without sending ENABLE (the DISABLE's own timeout, DISABLE_TIMEOUT_SEC, is the last safety net). Failures
 * are swallowed: the caller's error wins.
 */
async function reenableViaNewSession(opts: ZkClientConnectOptions, transport: "tcp" | "udp", budgetMs: number): Promise<void> {
  const deadline = Date.now() + budgetMs;
  let expired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeUp = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      expired = true;
      resolve();
    }, budgetMs);
  });
  const attempts = (async () => {
    for (let attempt = 1; !expired; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      try {
        const again = await connectZk({ ...opts, transport, timeoutMs: Math.min(opts.timeoutMs ?? left, left) });
        try {
          if (!expired) await again.enable();
        } finally {
          await again.close();
        }
        return;
      } catch (err) {
        const pause = 50 * attempt;
        if (!(err instanceof ZkUnreachableError) || attempt >= 4 || Date.now() + pause > deadline) return;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  })().catch(() => undefined);
  try {
    await Promise.race([attempts, timeUp]);
  } finally {
    clearTimeout(timer);
  }
}

function isDead(session: ZkSession): boolean {
  return (session as { dead?: boolean }).dead === true;
}

