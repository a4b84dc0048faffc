// Buffered table reads: PREPARE_BUFFER → inline DATA or size → READ_BUFFER chunks → FREE_DATA (zk-protocol §7.2–§7.6).
import { CHUNK_TCP, CHUNK_UDP, CMD, REPLY, parseBufferAck, parsePrepareData, prepareBufferPayload, readBufferPayload, type DecodedPacket } from "../codec";
import { ZkProtocolError, ZkRejectedError, ZkTimeoutError } from "../errors";
import type { ZkConnection } from "./connection";

export interface BulkReadOptions {
  /** Bytes per READ_BUFFER request; defaults to pyzk's 65472 (TCP) / 16384 (UDP) (§7.4). */
  chunkSize?: number;
  /** Extra attempts per chunk after a timeout (pyzk retries 3 times). */
  retries?: number;
}

/** Reads one table; returns the whole buffer, u32 length prefix included (§7.1). */
export async function bulkRead(
  conn: ZkConnection,
  readCommand: number,
  fct: number,
  ext = 0,
  opts: BulkReadOptions = {},
): Promise<Uint8Array> {
  const first = await conn.exchange(CMD.prepareBuffer, prepareBufferPayload(readCommand, fct, ext));
  conn.finish();
  // §7.2 (A): small tables come back inline, and then no FREE_DATA is due.
  if (first.command === CMD.data) return first.payload;
  if (first.command !== REPLY.ackOk) throw new ZkRejectedError(CMD.prepareBuffer, first.command, `Device does not support buffered reads (reply ${first.command})`);
  const { size } = parseBufferAck(first.payload);
  const chunkSize = opts.chunkSize ?? (conn.transport.kind === "tcp" ? CHUNK_TCP : CHUNK_UDP);
  const retries = opts.retries ?? 3;
  const out = new Uint8Array(size);
  try {
    for (let start = 0; start < size; start += chunkSize) {
      const len = Math.min(chunkSize, size - start);
      out.set(await readChunkWithRetry(conn, start, len, retries), start);
    }
  } finally {
    // §15: always release the device's buffer, unless the connection itself is gone.
    if (!conn.dead) await freeData(conn).catch(() => undefined);
  }
  return out;
}

/** CMD_FREE_DATA; the reply code is not checked (nothing to do about a refusal). */
export async function freeData(conn: ZkConnection): Promise<void> {
  try {
    await conn.exchange(CMD.freeData);
  } finally {
    conn.finish();
  }
}

async function readChunkWithRetry(conn: ZkConnection, start: number, len: number, retries: number): Promise<Uint8Array> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await readChunk(conn, start, len);
    } catch (err) {
      // Only a silent device earns a retry; late packets of the failed attempt carry the old reply id and are ignored.
      if (!(err instanceof ZkTimeoutError) || attempt >= retries || conn.dead) throw err;
    } finally {
      conn.finish();
    }
  }
}

/** One READ_BUFFER: a direct DATA, or PREPARE_DATA + DATA… + ACK_OK (§7.3). */
async function readChunk(conn: ZkConnection, start: number, len: number): Promise<Uint8Array> {
  const reply = await conn.exchange(CMD.readBuffer, readBufferPayload(start, len));
  if (reply.command === CMD.data) return exactLength(reply.payload, len);
  if (reply.command !== CMD.prepareData) throw new ZkRejectedError(CMD.readBuffer, reply.command);
  return exactLength(await receiveData(conn, parsePrepareData(reply.payload).size), len);
}

/** After PREPARE_DATA: CMD_DATA packets until `size` bytes arrived, then ACK_OK. Data packets' session ids are not checked (§2.3). */
export async function receiveData(conn: ZkConnection, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let got = 0;
  while (got < size) {
    const p: DecodedPacket = await conn.next();
    if (p.command !== CMD.data) throw new ZkProtocolError(`Expected CMD_DATA after PREPARE_DATA, got ${p.command} at ${got}/${size} bytes`);
    if (got + p.payload.length > size) throw new ZkProtocolError(`Device sent more data than announced (${got + p.payload.length} > ${size})`);
    out.set(p.payload, got);
    got += p.payload.length;
  }
  const end = await conn.next();
  if (end.command !== REPLY.ackOk) throw new ZkProtocolError(`Expected ACK_OK after data, got ${end.command}`);
  return out;
}

function exactLength(data: Uint8Array, len: number): Uint8Array {
  if (data.length !== len) throw new ZkProtocolError(`Chunk of ${data.length} bytes where ${len} were requested`);
  return data;
}
