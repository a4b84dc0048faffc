// Reads one user's fingerprint templates the cheapest complete way: one bulk table read, or ten single reads (pipelined where the terminal allows).
import type { ZkSession, ZkTemplate } from "../zk/types";
import { hasTemplateTable } from "../devices/session-handle";

export const FINGERS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

/**
 * Bytes a template takes in the bulk table, as an estimate before reading it: templates are 0.5-1.6 KB
 * (docs/protocol.md §10) plus a 6-byte entry header (§10.1). Rather high than low, so the bulk read is not chosen on
 * an optimistic guess.
 */
export const TEMPLATE_BYTES_ESTIMATE = 1100;

/** READ_BUFFER chunk (§7.4) and its cost in packets from the terminal: PREPARE_DATA + DATA + ACK_OK over TCP, one datagram per ≤1,024 bytes over UDP (§7.3). */
const CHUNK = 65_472;
const TCP_PACKETS_PER_CHUNK = 3;
const UDP_PACKETS_PER_CHUNK = 2 + Math.ceil(CHUNK / 1024);

/** What the caller already knows: the terminal's template count (GET_FREE_SIZES, §5.5) and how many deletes share the session. */
export interface TemplateReadPlan {
  /** Templates on the terminal (free sizes `fingers`). */
  fingers: number;
  /** Users on the terminal (free sizes `users`): with `fingers`, the average a single read will find. */
  users: number;
  /** Users whose templates this session will read in a row (this one and the queued deletes behind it); default 1. */
  burst?: number;
}

/**
 * Packets from the terminal for each way (docs/protocol.md §7, §10):
 * - bulk (§10.1): PREPARE_BUFFER + FREE_DATA, and per 65,472-byte chunk 3 packets over TCP or ~66 datagrams over
 *   UDP — for every template on the terminal, but once for the whole burst;
 * - single reads (§10.2): one ACK_ERROR per empty finger and ~3 packets per enrolled one, per user.
 * The bulk read is also exact where single reads are not: it carries each template's flag (a duress finger, flag
 * 3, comes back as such), which a single read does not.
 */
export function bulkIsCheaper(transport: "tcp" | "udp", plan: TemplateReadPlan): boolean {
  const chunks = Math.ceil((plan.fingers * TEMPLATE_BYTES_ESTIMATE + 4) / CHUNK);
  const bulk = 2 + chunks * (transport === "tcp" ? TCP_PACKETS_PER_CHUNK : UDP_PACKETS_PER_CHUNK);
  const perUser = plan.users > 0 ? plan.fingers / plan.users : 0;
  const single = FINGERS.length + 2 * Math.min(FINGERS.length, perUser);
  return bulk < Math.max(1, plan.burst ?? 1) * single;
}

/**
 * One user's templates, finger 0-9 in order — every one the terminal holds for `uid`, whichever way is taken
 * (test/node/finger-discovery.test.ts checks both ways against each other and the terminal). No templates on the
 * terminal (card-only terminals) skips the read. In a burst the bulk table is read once: the session keeps it
 * while the terminal stays disabled by us (SessionHandle), so the next deletes read nothing.
 */
export async function readUserTemplates(session: ZkSession, uid: number, plan?: TemplateReadPlan): Promise<ZkTemplate[]> {
  const known = plan ?? (await session.freeSizes());
  if (known.fingers === 0) return [];
  if (hasTemplateTable(session) || bulkIsCheaper(session.transport, known)) {
    const all = await session.getTemplates();
    return all.filter((t) => t.uid === uid && t.template.length > 0).sort((a, b) => a.finger - b.finger);
  }
  if (session.getUserTemplates) return session.getUserTemplates(uid, FINGERS);
  const out: ZkTemplate[] = [];
  for (const finger of FINGERS) {
    const t = await session.getTemplate(uid, finger);
    if (t && t.template.length > 0) out.push({ ...t, uid, finger });
  }
  return out;
}
