// Buffered table reads: PREPARE_BUFFER → inline DATA or size → READ_BUFFER chunks → FREE_DATA (docs/protocol.md §7.2–§7.6).
import { CHUNK_TCP, CMD, REPLY, parseBufferAck, parsePrepareData, prepareBufferPayload, readBufferPayload } from "../codec";
import { ZkError, ZkProtocolError, ZkRejectedError } from "../errors";
import type { Exchange, ZkConnection } from "./connection";

/**
 * READ_BUFFER chunk size on both transports: 65 472 bytes, what node-zklib asks real devices for over TCP and UDP
 * alike, and pyzk over TCP (§7.4). pyzk's 16 384 over UDP costs four times the PREPARE_DATA/ACK_OK pairs and round
 * trips; the data datagrams are ≤ 1024 bytes either way (§1.3). The price of the bigger chunk is on a lossy link: a
 * lost datagram makes us fetch 64 datagrams again instead of 16.
 */
export const DEFAULT_CHUNK = CHUNK_TCP;

/**
 * READ_BUFFER requests outstanding at once once a chunk has come back whole. 2 = the next chunk is already queued
 * at the device while the current one streams, which removes the idle round trip between chunks. node-zklib writes
 * every chunk request at once and real devices serve that (§2.4, §7.4); one request ahead is far milder.
 */
export const DEFAULT_PIPELINE = 2;

/**
 * Largest table buffer we agree to hold (128 MiB). The size comes from the device's u32 in the 1503 answer and the
 * buffer is allocated at once, so a hostile or corrupt answer (0xFFFFFFF0) must be refused before allocating.
 * Real tables are far smaller: 100 000 attendance records of 40 bytes are 4 MB.
 */
export const MAX_TABLE_BYTES = 128 * 1024 * 1024;

export interface BulkReadOptions {
  /** Bytes per READ_BUFFER request (default DEFAULT_CHUNK, §7.4). */
  chunkSize?: number;
  /** Extra attempts per chunk after a timeout (pyzk retries 3 times). */
  retries?: number;
  /** READ_BUFFER requests kept outstanding (default DEFAULT_PIPELINE; 1 = strictly one at a time, like pyzk). */
  pipeline?: number;
}

/** One read's ceiling on the size the device announces (never above MAX_TABLE_BYTES). */
export interface BulkReadLimit {
  /** Largest plausible buffer for this table, u32 prefix included (e.g. from the free-sizes counts). */
  maxBytes?: number;
}

/** Told after each chunk that the first `filled` bytes of `buffer` (the whole table buffer) have arrived. */
export type BulkProgress = (buffer: Uint8Array, filled: number) => void;

/**
 * Reads one table; returns the whole buffer, u32 length prefix included (§7.1). `onProgress` runs after each chunk,
 * once the next request is already out, so whatever it does overlaps with the transfer.
 */
export async function bulkRead(
  conn: ZkConnection,
  readCommand: number,
  fct: number,
  ext = 0,
  opts: BulkReadOptions & BulkReadLimit = {},
  onProgress?: BulkProgress,
): Promise<Uint8Array> {
  const first = await conn.exchange(CMD.prepareBuffer, prepareBufferPayload(readCommand, fct, ext));
  conn.finish();
  // §7.2 (A): small tables come back inline, and then no FREE_DATA is due.
  if (first.command === CMD.data) return first.payload;
  if (first.command !== REPLY.ackOk) throw new ZkRejectedError(CMD.prepareBuffer, first.command, `Device does not support buffered reads (reply ${first.command})`);
  const { size } = parseBufferAck(first.payload);
  const limit = Math.min(MAX_TABLE_BYTES, opts.maxBytes ?? MAX_TABLE_BYTES);
  if (size > limit) {
    // Nothing was handed out yet, but the device holds the buffer it prepared: release it (§15).
    if (!conn.dead) await freeData(conn).catch(() => undefined);
    throw new ZkProtocolError(`Device announced a table of ${size} bytes, more than the ${limit} this read can hold`);
  }
  // The whole buffer is allocated once at the announced size; every chunk is written straight into its place.
  const out = new Uint8Array(size);
  try {
    await readChunks(conn, out, opts, onProgress);
  } catch (err) {
    // §15: always release the device's buffer, unless the connection itself is gone.
    if (!conn.dead) await freeData(conn).catch(() => undefined);
    throw err;
  }
  freeDataInBackground(conn);
  if (onProgress) {
    // The last chunk is looked at while FREE_DATA's answer is on its way.
    await yieldToIo();
    onProgress(out, out.length);
  }
  return out;
}

/**
 * FREE_DATA after a complete read (§7.3, §15), without waiting for its answer: the reply code is not checked
 * anyway, and the device serves commands in order, so the next command can follow at once (its reply is matched
 * by its own reply id). The answer is collected and dropped in the background; a lost one only leaves the buffer
 * to the next PREPARE_BUFFER or the end of the session.
 */
function freeDataInBackground(conn: ZkConnection): void {
  if (conn.dead) return;
  const ex = conn.send(CMD.freeData);
  const done = () => conn.release(ex);
  conn.wait(ex).then(done, done);
}

/**
 * Lets pending socket reads run before CPU-bound work: two turns of the event loop, so the poll phase in between
 * sees what became readable meanwhile. Costs microseconds; it matters when the peer lives in the same process (the
 * simulator in tests and benchmarks), which cannot read the request we just wrote while we decode.
 */
function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** CMD_FREE_DATA; the reply code is not checked (nothing to do about a refusal). */
export async function freeData(conn: ZkConnection): Promise<void> {
  try {
    await conn.exchange(CMD.freeData);
  } finally {
    conn.finish();
  }
}

interface Pending {
  start: number;
  len: number;
  ex: Exchange;
}

/**
 * Fills `out` chunk by chunk, in order. The first chunk, and the chunk after any failure, is asked for alone; once
 * one has come back whole the device has shown it serves this read, and up to `pipeline` requests are kept
 * outstanding. Any failure of a chunk while the connection lives (a timeout, but also a lost PREPARE_DATA or a
 * reordered ACK_OK over UDP, which look like a malformed answer) drops every outstanding request and retries the
 * oldest chunk alone, up to `retries` times (pyzk: 3). Each attempt has its own reply id, so late packets of a
 * failed one are ignored rather than mixed in.
 */
async function readChunks(conn: ZkConnection, out: Uint8Array, opts: BulkReadOptions, onProgress?: BulkProgress): Promise<void> {
  const chunkSize = Math.max(1, opts.chunkSize ?? DEFAULT_CHUNK);
  const depth = Math.max(1, Math.floor(opts.pipeline ?? DEFAULT_PIPELINE));
  const retries = opts.retries ?? 3;
  const pending: Pending[] = [];
  let nextStart = 0; // first byte not yet asked for
  let window = 1;
  let attempt = 0;
  const refill = () => {
    while (pending.length < window && nextStart < out.length) {
      const len = Math.min(chunkSize, out.length - nextStart);
      pending.push({ start: nextStart, len, ex: conn.send(CMD.readBuffer, readBufferPayload(nextStart, len)) });
      nextStart += len;
    }
  };
  try {
    for (let done = 0; done < out.length; ) {
      refill();
      const head = pending[0]!;
      try {
        await receiveChunk(conn, head.ex, out, head.start, head.len);
      } catch (err) {
        for (const p of pending) conn.release(p.ex);
        pending.length = 0;
        if (!(err instanceof ZkError) || attempt >= retries || conn.dead) throw err;
        attempt++;
        nextStart = head.start;
        window = 1;
        continue;
      }
      conn.release(head.ex);
      pending.shift();
      done = head.start + head.len;
      attempt = 0;
      window = depth;
      if (onProgress && done < out.length) {
        // The device works on the next chunk while the caller looks at this one (the last one: see bulkRead).
        refill();
        await yieldToIo();
        onProgress(out, done);
      }
    }
  } finally {
    for (const p of pending) conn.release(p.ex);
  }
}

/** One READ_BUFFER answer into out[start, start+len): a direct DATA, or PREPARE_DATA + DATA… + ACK_OK (§7.3). */
async function receiveChunk(conn: ZkConnection, ex: Exchange, out: Uint8Array, start: number, len: number): Promise<void> {
  const reply = await conn.wait(ex);
  if (reply.command === CMD.data) {
    if (reply.payload.length !== len) throw chunkSizeError(reply.payload.length, len);
    out.set(reply.payload, start);
    return;
  }
  if (reply.command !== CMD.prepareData) throw new ZkRejectedError(CMD.readBuffer, reply.command);
  const announced = parsePrepareData(reply.payload).size;
  if (announced !== len) throw chunkSizeError(announced, len);
  await receiveInto(conn, ex, out, start, len);
}

/**
 * After PREPARE_DATA: CMD_DATA packets until `size` bytes arrived, then ACK_OK. Data packets' session ids are not
 * checked (§2.3). `size` is the device's word: above `maxBytes` it is refused before anything is allocated.
 * `ex`: the command whose answer this is (default: the current one; pipelined reads name theirs).
 */
export async function receiveData(conn: ZkConnection, size: number, maxBytes: number, ex = conn.currentExchange): Promise<Uint8Array> {
  if (!ex) throw new ZkProtocolError("No command in flight");
  if (size > maxBytes) throw new ZkProtocolError(`Device announced ${size} bytes of data, more than the ${maxBytes} expected`);
  const out = new Uint8Array(size);
  await receiveInto(conn, ex, out, 0, size);
  return out;
}

/** CMD_DATA payloads of `ex` written at out[offset…] until `size` bytes, then the closing ACK_OK. */
async function receiveInto(conn: ZkConnection, ex: Exchange, out: Uint8Array, offset: number, size: number): Promise<void> {
  let got = 0;
  while (got < size) {
    // Packets already queued are taken without a timer or a promise: a UDP chunk is 64 of them.
    const p = ex.take() ?? (await conn.wait(ex));
    if (p.command !== CMD.data) throw new ZkProtocolError(`Expected CMD_DATA after PREPARE_DATA, got ${p.command} at ${got}/${size} bytes`);
    if (got + p.payload.length > size) throw new ZkProtocolError(`Device sent more data than announced (${got + p.payload.length} > ${size})`);
    out.set(p.payload, offset + got);
    got += p.payload.length;
  }
  const end = ex.take() ?? (await conn.wait(ex));
  if (end.command !== REPLY.ackOk) throw new ZkProtocolError(`Expected ACK_OK after data, got ${end.command}`);
}

function chunkSizeError(got: number, want: number): ZkProtocolError {
  return new ZkProtocolError(`Chunk of ${got} bytes where ${want} were requested`);
}
