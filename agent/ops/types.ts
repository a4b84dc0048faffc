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
}

/** One operation: runs inside the terminal's lock with an open session; throws coded errors. */
export type OpHandler<O extends OpName> = (session: ZkSession, args: OpInput<O>, ctx: OpContext) => Promise<OpResult<O>>;
