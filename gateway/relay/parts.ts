// Responses too large for one frame arrive as `part` frames (docs/relay.md §2): kept until complete, then joined.
import { MAX_RESULT_BYTES, type PartFrame } from "../../shared/relay";

/** Parts older than this are dropped (their request has long failed). */
const STALE_MS = 20 * 60_000;

/**
 * Joins the parts of each response id. Bounded: all responses in parts together stay under MAX_RESULT_BYTES
 * characters; a part that would pass it, or does not match its siblings' count, drops that response.
 */
export class PartBuffer {
  private readonly pending = new Map<string, { count: number; data: Array<string | undefined>; have: number; chars: number; at: number }>();
  private chars = 0;

  /** Adds one part; the joined text once every part of its response is in, else undefined. */
  add(frame: PartFrame, now = Date.now()): string | undefined {
    this.sweep(now);
    let entry = this.pending.get(frame.id);
    if (!entry) {
      entry = { count: frame.count, data: Array.from({ length: frame.count }, () => undefined), have: 0, chars: 0, at: now };
      this.pending.set(frame.id, entry);
    }
    if (entry.count !== frame.count || frame.index >= entry.count || this.chars + frame.data.length > MAX_RESULT_BYTES) {
      this.drop(frame.id);
      return undefined;
    }
    if (entry.data[frame.index] === undefined) {
      entry.data[frame.index] = frame.data;
      entry.have++;
      entry.chars += frame.data.length;
      this.chars += frame.data.length;
    }
    if (entry.have < entry.count) return undefined;
    this.drop(frame.id);
    return entry.data.join("");
  }

  /** Responses with parts still missing. */
  get size(): number {
    return this.pending.size;
  }

  private drop(id: string): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.chars -= entry.chars;
    this.pending.delete(id);
  }

  private sweep(now: number): void {
    for (const [id, entry] of this.pending) if (now - entry.at > STALE_MS) this.drop(id);
  }
}
