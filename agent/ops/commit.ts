// Around a write's commit point: refuse to start one the gateway gave up on, and learn the outcome of one whose answer was lost.
import { CodedError, hasFlag } from "../../shared/errors";
import type { ZkSession, ZkUser } from "../zk/types";
import { sessionFailed } from "../devices/session-handle";
import type { OpContext } from "./types";

export { RELAY_MARGIN_MS } from "../../shared/budget";

/**
 * docs/architecture.md §4: a request the gateway has given up on must not change the terminal. Called right before the command
 * that changes something, while nothing has changed yet: there must be time left for that command's reply (one
 * device timeout) and for the answer to travel back, or the caller would be told "timeout" about a change that
 * then happens anyway.
 */
export function checkStillWanted(ctx: OpContext, what: string): void {
  if (ctx.signal?.aborted) {
    throw new CodedError("RELAY_TIMEOUT", `${what} not sent: the gateway link that carried this request closed; nothing was changed`);
  }
  if (ctx.deadline !== undefined && Date.now() + (ctx.writeMarginMs ?? 0) > ctx.deadline) {
    throw new CodedError("RELAY_TIMEOUT", `${what} not sent: too close to the request's deadline to finish and answer; nothing was changed`);
  }
}

/** The stable code of a thrown value, if it has one. */
export function codeOf(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

/**
 * Failures of a write that say for sure nothing changed (the error contract's `nothingChanged`: the terminal
 * answered no, or the client refused the input before sending). Any other failure (timeout, reset, garbage) may
 * come after the terminal applied the write.
 */
export function refusedOutright(err: unknown): boolean {
  return hasFlag(err, "nothingChanged");
}

/** A user table read after a write whose answer was lost, and the session it was read on (for the clean-up after). */
export interface Reread {
  session: ZkSession;
  users: ZkUser[];
}

/**
 * One new attempt at reading the user table after a write failed without an answer from the terminal: on a fresh
 * session when the op's one broke (and the queue can give one), else on the same. Undefined when that fails too.
 */
export async function rereadUsers(session: ZkSession, ctx: OpContext): Promise<Reread | undefined> {
  try {
    const s = sessionFailed(session) && ctx.reconnect ? await ctx.reconnect() : session;
    return { session: s, users: await s.getUsers() };
  } catch (err) {
    ctx.logger.warn("re-reading the user table to learn a write's outcome failed", { error: err });
    return undefined;
  }
}
