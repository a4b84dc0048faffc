// Several fingers of one user: GET_USERTEMP requests pipelined on TCP while the terminal answers in order, else one by one (docs/protocol.md §2.4, §10.2).
import * as c from "../codec";
import { ZkError, ZkTimeoutError } from "../errors";
import type { ZkTemplate } from "../types";
import type { Exchange, ZkConnection } from "./connection";
import { readSingleTemplate, templateAnswer } from "./tables";

/**
 * What this connection has shown about pipelined template reads. "unknown" until a first pipelined batch; "in-order"
 * once one came back with every answer whole and in request order; "off" once one did not (answers interleaved or
 * reordered, a request lost) — from then on every read is sent alone, as pyzk does.
 */
export type PipelineMode = "unknown" | "in-order" | "off";

export interface ProbeState {
  mode: PipelineMode;
  /** Why pipelining was turned off (logs, tests). */
  reason?: string;
}

/**
 * The templates of `fingers` of `uid` (missing fingers left out), in finger order.
 *
 * Over TCP every request is written at once and the answers are matched by reply id (§2.4 — the device echoes it in
 * each packet of its answer), which removes one round trip per finger: ten fingers cost one round trip instead of
 * ten. The device must also answer in order: a terminal that does not — answers interleaved or reordered — may not
 * keep them apart either, so then the whole batch is read again one request at a time and the connection never
 * pipelines again. A timeout or a malformed answer in a batch does the same. UDP always reads one at a time: a
 * datagram lost in a batch cannot be told from a request the device dropped.
 */
export async function readFingers(conn: ZkConnection, uid: number, fingers: readonly number[], state: ProbeState, retries = 3): Promise<ZkTemplate[]> {
  for (const f of fingers) c.userTempPayload(uid, f); // validates every finger before anything is sent
  if (conn.transport.kind === "tcp" && state.mode !== "off" && fingers.length > 1) {
    try {
      const batch = await pipelined(conn, uid, fingers);
      if (batch.inOrder) {
        state.mode = "in-order";
        return present(batch.templates);
      }
      turnOff(state, "the terminal answered pipelined requests out of order");
    } catch (err) {
      if (!(err instanceof ZkError) || conn.dead) throw err;
      turnOff(state, `a pipelined read failed (${err.message})`);
    }
  }
  const out: Array<ZkTemplate | undefined> = [];
  for (const f of fingers) out.push(await readOne(conn, uid, f, retries));
  return present(out);
}

function turnOff(state: ProbeState, reason: string): void {
  state.mode = "off";
  state.reason = reason;
}

function present(list: Array<ZkTemplate | undefined>): ZkTemplate[] {
  return list.filter((t): t is ZkTemplate => t !== undefined && t.template.length > 0).sort((a, b) => a.finger - b.finger);
}

/** All requests out at once; answers collected in request order; `inOrder` = no answer began before the previous one ended. */
async function pipelined(conn: ZkConnection, uid: number, fingers: readonly number[]): Promise<{ templates: Array<ZkTemplate | undefined>; inOrder: boolean }> {
  const sent: Exchange[] = [];
  try {
    for (const f of fingers) sent.push(conn.send(c.CMD.getUserTemp, c.userTempPayload(uid, f)));
    const templates: Array<ZkTemplate | undefined> = [];
    for (const [i, ex] of sent.entries()) templates.push(await templateAnswer(conn, ex, await conn.wait(ex), uid, fingers[i]!));
    return { templates, inOrder: sent.every((ex, i) => i === 0 || sent[i - 1]!.lastArrival! < ex.firstArrival!) };
  } finally {
    // Late packets of an abandoned batch are then stray and ignored, never taken for a later command's answer.
    for (const ex of sent) conn.release(ex);
  }
}

/** One GET_USERTEMP alone; pyzk retries the single read 3 times (§10.2). */
async function readOne(conn: ZkConnection, uid: number, finger: number, retries: number): Promise<ZkTemplate | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await readSingleTemplate(conn, uid, finger);
    } catch (err) {
      if (!(err instanceof ZkTimeoutError) || attempt >= retries || conn.dead) throw err;
    } finally {
      conn.finish();
    }
  }
}
