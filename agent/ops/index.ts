// The operations layer's entry: a dispatcher that runs each op inside its terminal's queue (agent/devices).
import { capExtendedDeadline } from "../../shared/budget";
import type { DeviceTarget } from "../../shared/device";
import { OP_NAMES, type OpName, type OpResult } from "../../shared/ops";
import type { ZkSession } from "../zk/types";
import { DevicePool, type DevicePoolOptions } from "../devices/pool";
import { silentLogger, type Logger } from "../log";
import { RELAY_MARGIN_MS } from "./commit";
import { OP_HANDLERS, WRITE_OPS } from "./handlers";
import type { OpContext, OpHandler, OpInput } from "./types";

export { OP_HANDLERS, WRITE_OPS } from "./handlers";
export type { OpContext, OpHandler, OpInput } from "./types";

/** Same shape as agent/relay's Dispatch, declared here so operations never import the relay. */
export interface OpRequest {
  op: OpName;
  device: DeviceTarget;
  /** Already validated with OPS[op].args. */
  args: unknown;
  deadline: number;
  /** Aborted when nobody will read the answer any more (the gateway link closed). */
  signal?: AbortSignal;
  /** Write-ahead into the outbox (durable-result ops; see OpContext.writeAhead). */
  writeAhead?: (ifCommitted: unknown) => Promise<void>;
  /** Asks the gateway to wait longer (see OpContext.extendDeadline). */
  extendDeadline?: (deadline: number) => void;
}

export interface DispatcherOptions extends DevicePoolOptions {
  pool?: DevicePool;
  logger?: Logger;
  /** Wall clock for time.sync. */
  clock?: () => Date;
}

export interface Dispatcher {
  dispatch(req: OpRequest): Promise<unknown>;
  /** The op names this agent serves (the hello frame's capabilities). */
  readonly capabilities: OpName[];
  readonly pool: DevicePool;
}

/** Wires operations to per-terminal queues; the session factory inside the pool decides how terminals are dialled. */
export function createDispatcher(opts: DispatcherOptions = {}): Dispatcher {
  const logger = opts.logger ?? silentLogger;
  const pool = opts.pool ?? new DevicePool({ ...opts, logger });
  const now = opts.clock ?? (() => new Date());
  const epochMs = opts.now ?? Date.now;
  return {
    capabilities: [...OP_NAMES],
    pool,
    dispatch: (req) => {
      const ctx: OpContext = {
        now,
        logger,
        deadline: req.deadline,
        signal: req.signal,
        writeAhead: req.writeAhead,
        writeMarginMs: Math.round(req.device.timeout * 1000) + RELAY_MARGIN_MS,
      };
      const extend = req.extendDeadline;
      // docs/relay.md §4: a deadline only ever moves later, never past what the gateway grants (MAX_EXTENDED_WAIT_MS
      // from now), and the op sees the one the gateway now waits for.
      if (extend) {
        ctx.extendDeadline = (wanted) => {
          const deadline = capExtendedDeadline(wanted, epochMs());
          if (deadline <= (ctx.deadline ?? Infinity)) return;
          ctx.deadline = deadline;
          extend(deadline);
        };
      }
      return pool.run(
        req.device,
        req.deadline,
        (session, job) =>
          runOp(req.op, session, req.args as OpInput<OpName>, { ...ctx, reconnect: job.reconnect, queuedWrites: job.queuedWrites, expectBusyUntil: job.expectBusyUntil }),
        { signal: req.signal, mutates: WRITE_OPS.has(req.op), ...(ctx.extendDeadline ? { extend: ctx.extendDeadline } : {}) },
      );
    },
  };
}

/** Runs one op on an open session (no queue): for callers that already hold the terminal. */
export function runOp<O extends OpName>(op: O, session: ZkSession, args: OpInput<O>, ctx: OpContext): Promise<OpResult<O>> {
  // TypeScript cannot correlate OP_HANDLERS[O] with OpInput<O> across the union; the table's type guarantees it.
  const handler = OP_HANDLERS[op] as unknown as OpHandler<O>;
  return handler(session, args, ctx);
}
