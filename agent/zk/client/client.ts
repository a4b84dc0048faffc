// connectZk: open a transport, CONNECT, answer ACK_UNAUTH with the comm key, and hand back a ZkClient (docs/protocol.md §4).
import { CMD, REPLY, ZK_PORT, makeCommKey } from "../codec";
import { reasonOf, ZkAuthError, ZkError, ZkRejectedError, ZkTimeoutError, ZkUnreachableError } from "../errors";
import type { ZkConnectOptions } from "../types";
import { ZkConnection } from "./connection";
import { resolveHost, type HostLookup } from "./resolve";
import { openTcp } from "./transport-tcp";
import { openUdp } from "./transport-udp";
import type { ZkTransport } from "./transport";
import { ZkClient, sayGoodbye, type ZkClientOptions } from "./zk-client";

/** Per-packet timeout when the caller gives none: the seed's registry default of 5 s. */
export const DEFAULT_TIMEOUT_MS = 5000;

/** Connect options plus client tuning that the shared ZkConnectOptions does not carry. */
export type ZkClientConnectOptions = ZkConnectOptions & ZkClientOptions & { lookup?: HostLookup };

/** Opens an authenticated session. `transport: "auto"` (the default) tries TCP, then UDP when TCP is unreachable. */
export async function connectZk(opts: ZkClientConnectOptions): Promise<ZkClient> {
  const kind = opts.transport ?? "auto";
  // Once, before either transport: a name that does not resolve is the same failure over TCP and UDP.
  const address = await resolveHost(opts.host, opts.port ?? ZK_PORT, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.lookup);
  if (kind !== "auto") return connectVia(kind, address, opts);
  try {
    return await connectVia("tcp", address, opts);
  } catch (err) {
    // node-zklib falls back only on ECONNREFUSED; we also fall back on a TCP timeout (UDP-only "ZK6" firmware, §1).
    if (!(err instanceof ZkUnreachableError)) throw err;
    return connectVia("udp", address, opts);
  }
}

async function connectVia(kind: "tcp" | "udp", address: string, opts: ZkClientConnectOptions): Promise<ZkClient> {
  const port = opts.port ?? ZK_PORT;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const transport: ZkTransport =
    kind === "tcp" ? await openTcp(opts.host, port, timeoutMs, address) : await openUdp(opts.host, port, timeoutMs, address);
  const conn = new ZkConnection(transport, timeoutMs, {
    strictChecksum: opts.strictChecksum,
    onListenerError: opts.onListenerError ?? warnListenerError,
  });
  try {
    await handshake(conn, opts.commKey ?? 0, opts.host, port);
  } catch (err) {
    if (conn.sessionId !== 0) await sayGoodbye(conn);
    await conn.close();
    throw err;
  }
  return new ZkClient(conn, opts);
}

/** Default for a throwing event listener: one line on stderr (the error is also counted on the session). */
function warnListenerError(err: unknown): void {
  console.warn(`zk client: an event listener threw: ${err instanceof Error ? err.message : String(err)}`);
}

/** CONNECT (session 0) → ACK_OK, or ACK_UNAUTH → AUTH with the scrambled comm key (§4.1, §4.2). */
async function handshake(conn: ZkConnection, commKey: number, host: string, port: number): Promise<void> {
  let reply;
  try {
    reply = await conn.exchange(CMD.connect);
  } catch (err) {
    // No answer to CONNECT (UDP silence, or a TCP peer that never speaks ZK): nothing usable is there.
    if (err instanceof ZkTimeoutError || (err instanceof ZkError && err.code === "DEVICE_DISCONNECTED")) {
      throw new ZkUnreachableError(host, port, { cause: err, reason: reasonOf(err) });
    }
    throw err;
  } finally {
    conn.finish();
  }
  conn.sessionId = reply.sessionId;
  if (reply.command === REPLY.ackOk) return;
  if (reply.command !== REPLY.ackUnauth) {
    throw new ZkRejectedError(CMD.connect, reply.command, `Device refused CONNECT (reply code ${reply.command}; unsupported firmware?)`);
  }
  // pyzk answers ACK_UNAUTH with key 0 when none is configured; so do we.
  const auth = await conn.exchange(CMD.auth, makeCommKey(commKey, conn.sessionId));
  conn.finish();
  if (auth.command === REPLY.ackOk) return;
  if (auth.command === REPLY.ackUnauth) throw new ZkAuthError("Device rejected the communication key");
  throw new ZkRejectedError(CMD.auth, auth.command);
}
