// The shape every relay operation shares: a session with the terminal, validated args, a small context.
import type { z } from "zod";
import type { OPS, OpName, OpResult } from "../../shared/ops";
import type { ZkSession } from "../zk/types";
import type { Logger } from "../log";

/** Args after OPS[op].args parsed them (defaults applied, types narrowed). */
export type OpInput<O extends OpName> = z.output<(typeof OPS)[O]["args"]>;

export interface OpContext {
  /** The agent's clock (time.sync without args sets the terminal to it). */
  now: () => Date;
  logger: Logger;
  /** Epoch ms (agent clock) after which the gateway stops waiting; absent = no limit (direct use, tests). */
  deadline?: number;
  /** Aborted when the link that carried the request closed: nobody will read the answer. */
  signal?: AbortSignal;
  /** Time a write needs before the deadline: one device timeout for its reply, plus the relay hops back (2 s). */
  writeMarginMs?: number;
  /** A fresh session to the same terminal after the op's one broke (the terminal queue's); absent outside it. */
  reconnect?: () => Promise<ZkSession>;
  /** Writes queued behind this op on the same session (a burst): lets a delete read all templates once for all. */
  queuedWrites?: () => number;
  /**
   * Durable-result ops call this right before their commit point with the result they will report if the change
   * happens; it returns once that is on disk (the agent's outbox). Absent: no outbox (tests, direct use).
   */
  writeAhead?: (ifCommitted: unknown) => Promise<void>;
  /** Asks the gateway to wait until `deadline` (epoch ms): a read found a table too large for the usual budget. */
  extendDeadline?: (deadline: number) => void;
  /** Tells the terminal's queue this op holds the terminal until `until` (epoch ms): requests behind it wait longer. */
  expectBusyUntil?: (until: number) => void;
}

/** One operation: runs inside the terminal's lock with an open session; throws coded errors. */
export type OpHandler<O extends OpName> = (session: ZkSession, args: OpInput<O>, ctx: OpContext) => Promise<OpResult<O>>;
