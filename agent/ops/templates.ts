// Reads one user's fingerprint templates with a cost that does not grow with the terminal's template table.
import type { ZkSession, ZkTemplate } from "../zk/types";

export const FINGERS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

/**
 * One user's templates, finger 0-9 in order.
 *
 * Why single reads (zk-protocol §10.2) and not the bulk table (§10.1) filtered by uid: the bulk read ships every
 * template on the terminal — 3,000 users × 2 fingers × ~1.2 KB ≈ 7 MB, i.e. ~110 READ_BUFFER chunks over TCP
 * and ~7,000 datagrams over UDP (≤1,024-byte data packets, §7.3) — to keep one or two of them. Ten single reads
 * cost ~2 packets per empty finger (request + ACK_ERROR) and ~4-5 per enrolled one, about 20-30 packets
 * whatever the table size. One GET_FREE_SIZES first (2 packets) skips all ten on card-only terminals.
 */
export async function readUserTemplates(session: ZkSession, uid: number): Promise<ZkTemplate[]> {
  const sizes = await session.freeSizes();
  if (sizes.fingers === 0) return [];
  const out: ZkTemplate[] = [];
  for (const finger of FINGERS) {
    const t = await session.getTemplate(uid, finger);
    if (t && t.template.length > 0) out.push({ ...t, uid, finger });
  }
  return out;
}
