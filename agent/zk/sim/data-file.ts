// Loading terminal data from JSON (`--data file.json`): validated with zod, converted to the profile's records.
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { ZkAttendance, ZkTemplate } from "../types";
import { hexToBytes, parseDeviceTime } from "../codec";
import { SimError } from "./errors";
import type { GeneratedData } from "./generate";
import type { SimData } from "./types";
import { encodeUserIn, convertRecord } from "./user-records";

const u16 = z.number().int().min(1).max(65535);
const SimDataSchema = z.object({
  users: z
    .array(
      z.object({
        uid: u16.optional(),
        userId: z.string().min(1).max(24).optional(),
        name: z.string().optional(),
        privilege: z.number().int().min(0).max(255).optional(),
        password: z.string().optional(),
        card: z.number().int().min(0).max(0xffffffff).optional(),
        group: z.number().int().min(0).max(255).optional(),
        groupId: z.string().optional(),
        raw: z.string().optional(),
      }),
    )
    .optional(),
  attendance: z
    .array(
      z.object({
        uid: z.number().int().min(0).max(65535).optional(),
        userId: z.string().max(24),
        time: z.string(),
        status: z.number().int().min(0).max(255).optional(),
        punch: z.number().int().min(0).max(255).optional(),
      }),
    )
    .optional(),
  templates: z
    .array(z.object({ uid: u16, finger: z.number().int().min(0).max(9), flag: z.number().int().min(0).max(255).optional(), template: z.string() }))
    .optional(),
});

/** Reads and converts a data file; any problem is a SimError SIM_DATA_INVALID naming the entry. */
export function loadDataFile(path: string, userSize: 28 | 72): GeneratedData {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new SimError("SIM_DATA_INVALID", `Cannot read data file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return convertData(json, userSize);
}

/** Validates `{ users, attendance, templates }` and converts it (also used for `options.data`). */
export function convertData(input: SimData | unknown, userSize: 28 | 72): GeneratedData {
  const parsed = SimDataSchema.safeParse(input);
  if (!parsed.success) {
    throw new SimError("SIM_DATA_INVALID", `Invalid simulator data: ${z.prettifyError(parsed.error)}`);
  }
  const d = parsed.data;
  const where = (what: string, i: number, fn: () => unknown) => {
    try {
      return fn();
    } catch (err) {
      throw new SimError("SIM_DATA_INVALID", `${what}[${i}]: ${(err as Error).message}`, { cause: err });
    }
  };
  const users = (d.users ?? []).map((u, i) =>
    where("users", i, () => {
      if (u.raw !== undefined) return convertRecord(hexToBytes(u.raw), userSize);
      if (u.uid === undefined || u.userId === undefined) throw new Error("needs uid and userId (or raw)");
      return encodeUserIn({ ...u, uid: u.uid, userId: u.userId }, userSize);
    }) as Uint8Array,
  );
  const attendance = (d.attendance ?? []).map(
    (a, i) => where("attendance", i, () => ({ uid: a.uid ?? 0, userId: a.userId, time: parseDeviceTime(a.time), status: a.status ?? 1, punch: a.punch ?? 0 })) as ZkAttendance,
  );
  const templates = (d.templates ?? []).map(
    (t, i) => where("templates", i, () => ({ uid: t.uid, finger: t.finger, flag: t.flag ?? 1, template: new Uint8Array(Buffer.from(t.template, "base64")) })) as ZkTemplate,
  );
  return { users, attendance, templates };
}
