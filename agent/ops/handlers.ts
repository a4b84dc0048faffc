// Op name → implementation: every op of shared/ops.ts OPS, checked exhaustive by the type.
import { opsWith, type OpName } from "../../shared/ops";
import { actionHandlers } from "./actions";
import { attendanceHandlers } from "./attendance";
import { deleteUser } from "./delete";
import { deviceHandlers } from "./device";
import { peopleHandlers } from "./people";
import { restoreUser } from "./restore";
import type { OpHandler } from "./types";
import { userHandlers } from "./users";

/**
 * Ops declared `mutates` (shared/ops.ts): they run with the terminal disabled (withDisabled), and the queue may keep
 * it disabled from one to the next. The others run with it enabled (enrolment even needs it, docs/protocol.md §10.6).
 */
export const WRITE_OPS: ReadonlySet<OpName> = opsWith("mutates");

/** Every op's implementation; the type fails to check when a declared op has none. */
export const OP_HANDLERS: { [O in OpName]: OpHandler<O> } = {
  ...deviceHandlers,
  ...userHandlers,
  ...attendanceHandlers,
  ...peopleHandlers,
  ...actionHandlers,
  "users.delete": deleteUser,
  "users.restore": restoreUser,
};
