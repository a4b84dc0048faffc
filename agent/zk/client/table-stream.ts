// Decoding a table while it downloads: whole records are decoded chunk by chunk as READ_BUFFER answers arrive (docs/protocol.md §7.1).
import * as c from "../codec";
import type { ZkAttendance, ZkUser } from "../types";

/** How one table's records are sized and decoded (the codec's table decoders, in pieces). */
interface RecordCodec<T> {
  /** Record size for a body of `bodyLength` bytes and `count` records; throws as the whole-table decoder would. */
  recordSize(bodyLength: number, count: number): number;
  /** Appends the records of body[from, to) (record boundaries) to `out`. */
  decode(body: Uint8Array, size: number, from: number, to: number, out: T[]): void;
  /** The whole-table decoder: the reference result, and the path every doubtful case takes. */
  decodeAll(buffer: Uint8Array, count: number): T[];
}

/**
 * Feeds on a bulk read's buffer as it fills (`progress`) and returns the same list `decodeAll` would (`finish`).
 * The records of a chunk are decoded while the next chunk is still on the wire, so only the last chunk's records
 * are left for the end. Anything unexpected (a length prefix that does not fit, a record that does not decode) stops
 * the early decoding, and `finish` then runs the whole-table decoder, which reports the error exactly as before.
 */
export class TableStream<T> {
  private readonly out: T[] = [];
  private body: Uint8Array | undefined;
  private size = 0;
  private decoded = 0;
  private gaveUp = false;

  constructor(
    private readonly count: number,
    private readonly codec: RecordCodec<T>,
  ) {}

  /** The first `filled` bytes of `buffer` (u32 prefix + records) have arrived. Never throws. */
  progress(buffer: Uint8Array, filled: number): void {
    if (this.gaveUp || this.count === 0) return;
    try {
      if (!this.body) {
        if (filled < 4) return;
        const declared = new DataView(buffer.buffer, buffer.byteOffset, 4).getUint32(0, true);
        if (declared === 0 || declared > buffer.length - 4) return void (this.gaveUp = true);
        this.body = buffer.subarray(4, 4 + declared);
        this.size = this.codec.recordSize(declared, this.count);
      }
      const avail = Math.min(filled - 4, this.body.length);
      const to = avail - (avail % this.size);
      if (to > this.decoded) {
        this.codec.decode(this.body, this.size, this.decoded, to, this.out);
        this.decoded = to;
      }
    } catch {
      this.gaveUp = true;
    }
  }

  /** All records of the complete `buffer`: what decodeAll(buffer) returns, or throws. */
  finish(buffer: Uint8Array): T[] {
    if (this.body && this.body.buffer === buffer.buffer) this.progress(buffer, buffer.length);
    if (this.gaveUp || !this.body || this.body.buffer !== buffer.buffer || this.decoded !== this.body.length) {
      return this.codec.decodeAll(buffer, this.count);
    }
    return this.out;
  }
}

/** A stream for the user table of `count` records (§8.7). */
export function userStream(count: number, encoding?: string): TableStream<ZkUser> {
  return new TableStream<ZkUser>(count, {
    recordSize: (len, n) => c.userRecordSize(len, n),
    decode: (body, size, from, to, out) => c.decodeUserRange(body, size as 28 | 72, from, to, out, encoding),
    decodeAll: (buffer, n) => c.decodeUserTable(c.tableBody(buffer), n, encoding),
  });
}

/** A stream for the attendance log of `count` records (§9.1); user_id strings are shared across chunks. */
export function attendanceStream(count: number): TableStream<ZkAttendance> {
  const ids = new Map<number, string>();
  return new TableStream<ZkAttendance>(count, {
    recordSize: (len, n) => c.attendanceRecordSize(len, n),
    decode: (body, size, from, to, out) => c.decodeAttendanceRange(body, size, from, to, out, ids),
    decodeAll: (buffer, n) => c.decodeAttendanceTable(c.tableBody(buffer), n),
  });
}
