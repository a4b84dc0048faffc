// Deterministic, realistic terminal data for a seed: staff list, a punch log of valid dates, SS21-like templates.
import type { ZkAttendance, ZkTemplate } from "../types";
import { encodeUser28, encodeUser72 } from "../codec";
import { FIRST_NAMES, LAST_NAMES, asciiFold } from "./names";

export interface GenerateRequest {
  profile: "tft" | "zk6";
  users: number;
  records: number;
  templates: number;
  seed: number;
}

export interface GeneratedData {
  /** Raw records in the profile's size (72 or 28 bytes). */
  users: Uint8Array[];
  attendance: ZkAttendance[];
  templates: ZkTemplate[];
}

/** A small fast PRNG (mulberry32); the same seed always gives the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

interface Person {
  uid: number;
  userId: string;
}

/** Users, attendance and templates for `req`; each table has its own random stream, so one count never reshuffles another. */
export function generateData(req: GenerateRequest): GeneratedData {
  const people = makePeople(req, prng(req.seed * 7 + 1));
  return {
    users: makeUsers(req, people, prng(req.seed * 7 + 2)),
    attendance: makeAttendance(req, people, prng(req.seed * 7 + 3)),
    templates: makeTemplates(req, people, prng(req.seed * 7 + 4)),
  };
}

/** uids 1… with the odd gap (deleted staff); user_ids are employee numbers, some badge numbers and contractor codes. */
function makePeople(req: GenerateRequest, rng: Rng): Person[] {
  const out: Person[] = [];
  const used = new Set<string>();
  let uid = 0;
  for (let i = 0; i < req.users; i++) {
    const roomForGaps = 65535 - uid - (req.users - i) > 1;
    uid += roomForGaps && rng() < 0.03 ? 2 : 1;
    let userId = String(1000 + uid);
    const r = rng();
    // zk6 stores user_id as a number; node-zklib reads only 16 bits of it in 16-byte attendance (docs/protocol.md §9.1), so stay small.
    if (req.profile === "tft" && r < 0.05) userId = String(int(rng, 100_000_000, 999_999_999));
    else if (req.profile === "tft" && r < 0.07) userId = `C${String(uid).padStart(4, "0")}`;
    if (used.has(userId)) userId = String(1000 + uid);
    used.add(userId);
    out.push({ uid, userId });
  }
  return out;
}

function makeUsers(req: GenerateRequest, people: Person[], rng: Rng): Uint8Array[] {
  return people.map((p, i) => {
    const first = pick(rng, FIRST_NAMES);
    const last = pick(rng, LAST_NAMES);
    const r = rng();
    const privilege = i === 0 || r < 0.02 ? 14 : r < 0.05 ? 6 : 0;
    const password = rng() < 0.15 ? String(int(rng, 1000, req.profile === "tft" ? 999_999 : 99_999)) : "";
    const card = rng() < 0.3 ? int(rng, 1_000_000, 4_000_000_000) : 0;
    const input = { uid: p.uid, userId: p.userId, privilege, password, card, group: 1 };
    return req.profile === "tft"
      ? encodeUser72({ ...input, name: `${first} ${last}` })
      : encodeUser28({ ...input, name: asciiFold(first).slice(0, 8) });
  });
}

/** Punches on workdays from 2024-01-08: in around 8:00, out around 17:30, sorted by time; dates always real (§6). */
function makeAttendance(req: GenerateRequest, people: Person[], rng: Rng): ZkAttendance[] {
  const out: ZkAttendance[] = [];
  if (req.records === 0) return out;
  // Records of deleted staff stay on real devices; with no users, punches come from such ids.
  const staff = people.length > 0 ? people : Array.from({ length: 20 }, (_, i) => ({ uid: i + 1, userId: String(1001 + i) }));
  // Keep the log inside ~15 000 workdays (2024…2081) however few people punch.
  const perDay = Math.max(2, Math.ceil(req.records / 15_000));
  let day = Date.UTC(2024, 0, 8);
  while (out.length < req.records) {
    const wd = new Date(day).getUTCDay();
    if (wd !== 0 && wd !== 6) {
      const todays: Array<{ sec: number; rec: Omit<ZkAttendance, "time"> }> = [];
      for (const p of staff) {
        if (rng() < 0.1) continue; // absent
        const shifts = Math.max(1, Math.ceil(perDay / 2 / staff.length));
        for (let s = 0; s < shifts; s++) {
          const span = 86_400 / shifts;
          const inAt = Math.floor(s * span + (shifts === 1 ? int(rng, 7 * 3600, 9 * 3600 + 1800) : int(rng, 0, span / 3)));
          const outAt = Math.min(86_399, inAt + int(rng, shifts === 1 ? 8 * 3600 : 600, shifts === 1 ? 10 * 3600 : span / 2));
          todays.push({ sec: inAt, rec: { uid: p.uid, userId: p.userId, status: status(req, rng), punch: 0 } });
          todays.push({ sec: outAt, rec: { uid: p.uid, userId: p.userId, status: status(req, rng), punch: outAt > 18 * 3600 && rng() < 0.3 ? 5 : 1 } });
        }
      }
      todays.sort((a, b) => a.sec - b.sec);
      const d = new Date(day);
      for (const t of todays) {
        if (out.length >= req.records) break;
        out.push({
          ...t.rec,
          time: {
            year: d.getUTCFullYear(),
            month: d.getUTCMonth() + 1,
            day: d.getUTCDate(),
            hour: Math.floor(t.sec / 3600),
            minute: Math.floor(t.sec / 60) % 60,
            second: t.sec % 60,
          },
        });
      }
    }
    day += 86_400_000;
  }
  return out;
}

/** Verify method (§9.2): mostly fingerprint; TFT terminals also see card, password and face. */
function status(req: GenerateRequest, rng: Rng): number {
  const r = rng();
  if (req.profile === "zk6") return r < 0.85 ? 1 : 0;
  return r < 0.7 ? 1 : r < 0.85 ? 4 : r < 0.95 ? 15 : 3;
}

/** Index fingers first, then the others; every user gets one before anyone gets a second. */
const FINGER_ORDER = [6, 1, 5, 2, 7, 0, 8, 3, 9, 4] as const;

function makeTemplates(req: GenerateRequest, people: Person[], rng: Rng): ZkTemplate[] {
  const out: ZkTemplate[] = [];
  for (let pass = 0; pass < 10 && out.length < req.templates; pass++) {
    for (const p of people) {
      if (out.length >= req.templates) break;
      const len = int(rng, 500, 1600);
      const template = new Uint8Array(len);
      for (let i = 0; i < len; i++) template[i] = Math.floor(rng() * 256);
      template.set([0x53, 0x53, 0x32, 0x31], 2); // "SS21" at bytes 2-5, as ZKFinger v10 templates (§10)
      out.push({ uid: p.uid, finger: FINGER_ORDER[pass]!, flag: rng() < 0.02 ? 3 : 1, template });
    }
  }
  return out;
}
