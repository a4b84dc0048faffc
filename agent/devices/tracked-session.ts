// A ZkSession wrapper that remembers what a job left behind: a disabled terminal, a session that failed mid-command.
import type { ZkSession } from "../zk/types";
import { isErrorCode } from "../../shared/errors";

/**
 * Codes a command may fail with while the session stays in step with the terminal: the device answered (it just
 * said no), or the operation refused before sending anything. Every other failure (timeout, reset, garbage)
 * leaves the session's reply ids and buffers in an unknown state, so it is discarded.
 */
const SESSION_STILL_GOOD = new Set(["DEVICE_REJECTED", "DEVICE_FULL", "USER_NOT_FOUND", "USER_EXISTS", "VALIDATION_FAILED", "BAD_REQUEST"]);

/** Lets operations ask a wrapped session whether it broke (see sessionFailed) without a wider interface. */
const FAILED = Symbol.for("zk-relay.session-failed");

/** True when `err` does not compromise the session it came from. */
export function leavesSessionUsable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return isErrorCode(code) && SESSION_STILL_GOOD.has(code);
}

export interface TrackedSession {
  readonly session: ZkSession;
  /** disable() was sent and no enable() has succeeded since (zk-protocol §4.4: the device may stay disabled). */
  readonly leftDisabled: boolean;
  /** A command failed in a way that makes this session unsafe to reuse. */
  readonly failed: boolean;
}

/** Wraps `inner` for one job; the wrapper forwards every member and only watches outcomes. */
export function trackSession(inner: ZkSession): TrackedSession {
  const state = { leftDisabled: false, failed: false };
  const watch = (name: PropertyKey, fn: (...args: unknown[]) => unknown) =>
    async (...args: unknown[]) => {
      // Mark before sending: a disable whose reply is lost may still have been applied by the terminal.
      if (name === "disable") state.leftDisabled = true;
      try {
        const result = await fn.apply(inner, args);
        if (name === "enable") state.leftDisabled = false;
        return result;
      } catch (err) {
        if (!leavesSessionUsable(err)) state.failed = true;
        throw err;
      }
    };
  const session = new Proxy(inner, {
    get(target, prop) {
      if (prop === FAILED) return state.failed;
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function" || prop === "constructor") return value;
      // close() is the worker's business, not a job's: jobs get a session whose close is a no-op.
      if (prop === "close") return async () => {};
      return watch(prop, value as (...args: unknown[]) => unknown);
    },
  });
  return {
    session,
    get leftDisabled() {
      return state.leftDisabled;
    },
    get failed() {
      return state.failed;
    },
  };
}

/** True when `session` is a tracked session whose connection already failed (a plain session: false). */
export function sessionFailed(session: ZkSession): boolean {
  return (session as unknown as Record<symbol, unknown>)[FAILED] === true;
}
