// Fault injection: silence, a reset in the middle of a data transfer, corrupt checksums, garbage replies.
import { CMD, encodePacket, frameTcp, zkChecksum } from "../codec";
import type { Outgoing } from "./session";
import type { Fault, SimTransport } from "./types";

/** Decides per request whether the configured fault applies and rewrites the reply accordingly. */
export class FaultController {
  private fault: Fault | null = null;
  private armed = false;
  private seen = 0;

  get current(): Fault | null {
    return this.fault;
  }

  set(fault: Fault | null): void {
    this.fault = fault ? { ...fault } : null;
    this.armed = false;
    this.seen = 0;
  }

  /** The fault for this request, if its trigger has been reached (counts the request towards `{ count }`). */
  match(command: number): Fault | undefined {
    const f = this.fault;
    if (!f) return undefined;
    if (!this.armed) {
      const t = f.after;
      if (t === undefined) this.armed = true;
      else if (typeof t === "number" || "command" in t) this.armed = command === (typeof t === "number" ? t : t.command);
      else if (this.seen >= t.count) this.armed = true;
      else this.seen++;
    }
    return this.armed ? f : undefined;
  }

  /** The fault did its work on one request; a `once` fault is then cleared. */
  consumed(): void {
    if (this.fault?.once) this.set(null);
  }

  /** Applies `f` to a reply; `applied` is false when the fault waits for another kind of reply. */
  apply(f: Fault, reply: readonly Outgoing[], transport: SimTransport): { out: Outgoing[]; applied: boolean } {
    switch (f.kind) {
      case "silence":
        return { out: [], applied: true };
      case "corrupt-checksum":
        return { out: reply.map((o) => ("packet" in o ? { ...o, corrupt: true } : o)), applied: reply.length > 0 };
      case "garbage":
        return reply.length > 0 ? { out: [{ raw: garbage() }], applied: true } : { out: [...reply], applied: false };
      case "reset-mid-transfer":
        return cutTransfer(reply, transport);
    }
  }
}

/** Keeps the reply up to half of its CMD_DATA packets; TCP then sends half a frame and resets the connection. */
function cutTransfer(reply: readonly Outgoing[], transport: SimTransport): { out: Outgoing[]; applied: boolean } {
  const dataAt = reply.flatMap((o, i) => ("packet" in o && o.packet.command === CMD.data ? [i] : []));
  if (dataAt.length === 0) return { out: [...reply], applied: false };
  const keep = Math.floor(dataAt.length / 2);
  const cut = dataAt[keep]!;
  const out = reply.slice(0, cut);
  if (transport === "tcp") {
    const next = reply[cut] as { packet: Parameters<typeof encodePacket>[0] };
    const frame = frameTcp(encodePacket(next.packet));
    out.push({ raw: frame.subarray(0, Math.max(1, Math.floor(frame.length / 2))) }, { reset: true });
  }
  return { out, applied: true };
}

/** Random bytes that are neither a TCP frame (first byte 0x00 ≠ 0x50) nor a packet with a valid checksum. */
function garbage(): Uint8Array {
  const out = new Uint8Array(16 + Math.floor(Math.random() * 48));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(Math.random() * 256);
  out[0] = 0x00;
  out[2] = 0;
  out[3] = 0;
  const wrong = zkChecksum(out) ^ 0xffff;
  out[2] = wrong & 0xff;
  out[3] = wrong >> 8;
  return out;
}
