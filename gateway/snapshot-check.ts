// Checks the undo snapshot an agent sends against the delete it answers, before it is stored (agents are not trusted).
import { UserSnapshot } from "../shared/ops";

/** A fingerprint template is at most a few KiB on every known firmware; 16 KiB leaves room and bounds a row. */
export const MAX_TEMPLATE_BYTES = 16 * 1024;
/** Fingers 0-9: ten templates at most. */
export const MAX_TEMPLATES = 10;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 → bytes, or undefined (atob accepts junk such as whitespace). */
function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text) || text.length % 4 !== 0) return undefined;
  try {
    return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** The user_id field inside a raw record: 24 NUL-terminated ASCII bytes at 48 (72-byte), a u32 LE at 24 (28-byte). */
function recordUserId(record: Uint8Array, format: 28 | 72): string {
  if (format === 28) return String((record[24]! | (record[25]! << 8) | (record[26]! << 16) | (record[27]! << 24)) >>> 0);
  const field = record.subarray(48, 72);
  const end = field.indexOf(0);
  return String.fromCharCode(...field.subarray(0, end < 0 ? field.length : end));
}

/**
 * The snapshot if it is one for `userId` and restorable as it stands: schema, record of exactly `format` bytes of
 * base64 whose user_id field is `userId`, templates of base64 within the caps, each finger once. Otherwise the
 * reason it is refused (a buggy or hostile agent must not plant a record that a restore later writes back).
 */
export function checkSnapshot(value: unknown, userId: string): { ok: true; snapshot: UserSnapshot } | { ok: false; reason: string } {
  const parsed = UserSnapshot.safeParse(value);
  if (!parsed.success) return { ok: false, reason: "not a snapshot" };
  const s = parsed.data;
  if (s.user.user_id !== userId) return { ok: false, reason: `snapshot is of user_id ${JSON.stringify(s.user.user_id.slice(0, 24))}` };
  const record = decodeBase64(s.record);
  if (!record || record.length !== s.format) return { ok: false, reason: `record is not ${s.format} bytes of base64` };
  if (recordUserId(record, s.format) !== userId) return { ok: false, reason: "record's user_id field is another user's" };
  if ((record[0]! | (record[1]! << 8)) !== s.user.uid) return { ok: false, reason: "record's uid and the user's disagree" };
  if (s.templates.length > MAX_TEMPLATES) return { ok: false, reason: `more than ${MAX_TEMPLATES} templates` };
  const fingers = new Set<number>();
  for (const t of s.templates) {
    if (fingers.has(t.finger)) return { ok: false, reason: `finger ${t.finger} listed twice` };
    fingers.add(t.finger);
    const bytes = decodeBase64(t.template);
    if (!bytes || bytes.length === 0 || bytes.length > MAX_TEMPLATE_BYTES) {
      return { ok: false, reason: `template of finger ${t.finger} is not 1-${MAX_TEMPLATE_BYTES} bytes of base64` };
    }
  }
  return { ok: true, snapshot: s };
}
