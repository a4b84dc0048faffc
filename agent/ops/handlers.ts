// Op name → implementation: every op of shared/ops.ts OPS, checked exhaustive by the type.
import { opsWith, type OpName } from "../../shared/ops";
import { listAttendance } from "./attendance";
import { deleteUser } from "./delete";
import { getTime, info, ping, syncTime } from "./device";
import { restoreUser } from "./restore";
import type { OpHandler } from "./types";
import { createUser, enrollFinger, listFingers, listUsers, updateUser } from "./users";

/**
 * Ops declared `mutates` (shared/ops.ts): they run with the terminal disabled (withDisabled), and the queue may keep
 * it disabled from one to the next. The others run with it enabled (enrolment even needs it, §10.6).
 */
export const WRITE_OPS: ReadonlySet<OpName> = opsWith("mutates");

export const OP_HANDLERS: { [O in OpName]: OpHandler<O> } = {
  "device.ping": ping,
  "device.info": info,
  "users.list": listUsers,
  "users.create": createUser,
  "users.update": updateUser,
  "users.delete": deleteUser,
  "users.restore": restoreUser,
  "users.enrollFinger": enrollFinger,
  "users.fingers": listFingers,
  "attendance.list": listAttendance,
  "time.get": getTime,
  "time.sync": syncTime,
};
