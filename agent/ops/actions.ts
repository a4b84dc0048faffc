// Terminal actions beyond the door: restart (and wait for the terminal to answer again) and a guarded clear of the attendance log.
import { setTimeout as sleep } from "node:timers/promises";
import { CodedError, hasFlag } from "../../shared/errors";
import { formatDeviceTime } from "../zk/codec/time";
import { checkStillWanted } from "./commit";
import { withDisabled } from "./guard";
import type { OpHandler } from "./types";

/** Pause between attempts to reach a restarting terminal: it refuses or ignores connections while it boots. */
export const RESTART_POLL_MS = 500;

/**
 * device.restart: CMD_RESTART, acknowledged, after which the terminal drops the connection and boots
 * (docs/protocol.md §12). Some firmware reboots before acknowledging, so a lost answer counts as sent. Then, inside
 * the terminal's queue (nothing else reaches it meanwhile), the agent dials it again until it answers a clock read
 * or the request's time runs out: `back` says which, so the caller is never told "restarted" about a terminal that
 * is not answering. Waiting between attempts is the one pause an op takes here: a booting terminal refuses at once.
 */
export const restartDevice: OpHandler<"device.restart"> = async (session, _args, ctx) => {
  checkStillWanted(ctx, "CMD_RESTART");
  const sent = Date.now();
  try {
    await session.restart();
  } catch (err) {
    if (!hasFlag(err, "unreachable")) throw err;
    ctx.logger.info("CMD_RESTART got no answer; the terminal may have rebooted before acknowledging", { error: err });
  }
  const until = (ctx.deadline ?? sent + 60_000) - (ctx.writeMarginMs ?? 0);
  while (ctx.reconnect && Date.now() + RESTART_POLL_MS < until && !ctx.signal?.aborted) {
    await sleep(RESTART_POLL_MS);
    try {
      const fresh = await ctx.reconnect();
      const time = formatDeviceTime(await fresh.getTime());
      return { back: true, time, waited_ms: Date.now() - sent };
    } catch {
      // Still booting: try again while there is time.
    }
  }
  return { back: false, waited_ms: Date.now() - sent };
};

/**
 * attendance.clear: CMD_CLEAR_ATTLOG wipes the whole log, with no range (docs/protocol.md §9.4), so it is sent only when
 * the caller's expected_count is the terminal's record count, read with the terminal disabled (no punch can land
 * between the check and the clear). The gateway checked before that every record is stored on its side. The
 * count is read back after: anything but 0 is DEVICE_REJECTED.
 */
export const clearAttendance: OpHandler<"attendance.clear"> = (session, args, ctx) =>
  withDisabled(session, async () => {
    const { records } = await session.freeSizes();
    if (records !== args.expected_count) {
      throw new CodedError("ATTENDANCE_COUNT_MISMATCH", `the terminal holds ${records} records, not ${args.expected_count}`, { count: String(records) });
    }
    checkStillWanted(ctx, "CMD_CLEAR_ATTLOG");
    await session.clearAttendance();
    await session.refreshData();
    const after = await session.freeSizes();
    if (after.records !== 0) throw new CodedError("DEVICE_REJECTED", `the terminal still holds ${after.records} records after CMD_CLEAR_ATTLOG`);
    return { cleared: records };
  });

/** The action ops of this file, registered as a table (handlers.ts spreads it). */
export const actionHandlers = {
  "device.restart": restartDevice,
  "attendance.clear": clearAttendance,
};
