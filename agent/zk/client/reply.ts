// Reply checks shared by the client modules: success codes and the error each failure code maps to (docs/protocol.md §3.2).
import { REPLY, isSuccessReply, type DecodedPacket } from "../codec";
import { ZkAuthError, ZkRejectedError } from "../errors";
import type { ZkConnection } from "./connection";

/** Throws the error a non-success reply stands for. */
export function assertSuccess(command: number, reply: DecodedPacket): DecodedPacket {
  if (isSuccessReply(reply.command)) return reply;
  if (reply.command === REPLY.ackUnauth) throw new ZkAuthError(`Device requires authentication for command ${command}`);
  throw new ZkRejectedError(command, reply.command);
}

/** One command with a single-packet reply that must be a success. */
export async function command(conn: ZkConnection, cmd: number, payload?: Uint8Array): Promise<DecodedPacket> {
  try {
    return assertSuccess(cmd, await conn.exchange(cmd, payload));
  } finally {
    conn.finish();
  }
}
