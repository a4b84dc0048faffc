// Reads one user's fingerprint templates, choosing the read whose packet count does not grow with the table.
import type { ZkSession, ZkTemplate } from "../zk/types";

export const FINGERS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

/**
 * Templates on the terminal up to which the bulk table read is the cheaper one over TCP: ~1.2 KB each
 * (zk-protocol §10), so 48 fit one 65,472-byte READ_BUFFER chunk (§7.4).
 */
export const BULK_MAX_TEMPLATES = 48;

/**
 * One user's templates, finger 0-9 in order.
 *
 * Packet counts (zk-protocol §7, §10): the bulk table read (§10.1) costs PREPARE_BUFFER + ack, then 4 packets per
 * 65,472-byte chunk over TCP (but one datagram per ≤1,024 bytes over UDP), then FREE_DATA + ack — it ships every
 * template on the terminal: 3,000 users × 2 fingers × ~1.2 KB ≈ 7 MB ≈ 110 chunks (~450 packets) over TCP, ~7,000
 * datagrams over UDP, to keep one or two. Ten single reads (§10.2) cost 2 packets per empty finger and ~4-5 per
 * enrolled one: ~20-30 packets whatever the table size. So: single reads for big tables and for UDP; the bulk
 * read only for a small table over TCP (one chunk, ~10 packets), where it is cheaper *and* exact — a single read
 * carries no flag, so the client reports those templates as valid (flag 1) and a duress finger (flag 3) would
 * come back as a normal one on restore. One GET_FREE_SIZES first (2 packets) also skips everything on card-only
 * terminals.
 */
export async function readUserTemplates(session: ZkSession, uid: number): Promise<ZkTemplate[]> {
  const sizes = await session.freeSizes();
  if (sizes.fingers === 0) return [];
  if (session.transport === "tcp" && sizes.fingers <= BULK_MAX_TEMPLATES) {
    const all = await session.getTemplates();
    return all.filter((t) => t.uid === uid && t.template.length > 0).sort((a, b) => a.finger - b.finger);
  }
  const out: ZkTemplate[] = [];
  for (const finger of FINGERS) {
    const t = await session.getTemplate(uid, finger);
    if (t && t.template.length > 0) out.push({ ...t, uid, finger });
  }
  return out;
}
