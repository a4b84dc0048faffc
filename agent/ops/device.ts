// Terminal-level operations: reachability, device info, and the device clock.
import { formatDeviceTime, fromDate, parseDeviceTime } from "../zk/codec/time";
import { checkStillWanted } from "./commit";
import { withDisabled } from "./guard";
import { toDeviceInfo } from "./map";
import type { OpHandler } from "./types";

/** device.ping: connecting proves reachability; the clock read proves the terminal answers commands. */
export const ping: OpHandler<"device.ping"> = async (session) => ({ time: formatDeviceTime(await session.getTime()) });

export const info: OpHandler<"device.info"> = async (session) => toDeviceInfo(await session.info());

export const getTime: OpHandler<"time.get"> = async (session) => ({ time: formatDeviceTime(await session.getTime()) });

/**
 * time.sync: sets the terminal to `args.time`, or to the agent's local wall clock — the agent sits on the
 * terminal's LAN, so its local zone is the site's (terminals have no zone, docs/protocol.md §6). Answers the time
 * read back from the terminal, not the one we sent. REFRESHDATA after SET_TIME, as adrobinoga does (§6).
 */
export const syncTime: OpHandler<"time.sync"> = async (session, args, ctx) => {
  const target = args.time !== undefined ? parseDeviceTime(args.time) : fromDate(ctx.now());
  return withDisabled(session, async () => {
    checkStillWanted(ctx, "SET_TIME");
    await session.setTime(target);
    await session.refreshData();
    return { time: formatDeviceTime(await session.getTime()) };
  });
};

/**
 * door.unlock: CMD_UNLOCK releases the door strike for `seconds` (the client sends tenths, docs/protocol.md §12).
 * The protocol has no read-back of the door (CMD_DOORSTATE_RRQ's payload is undocumented, §12), so the terminal's
 * own answer is the verification: the client accepts only ACK_OK to this command's reply id, and a refusal is
 * DEVICE_REJECTED. Never sent for a caller who stopped waiting: an unattended open door is a security event.
 */
export const unlockDoor: OpHandler<"door.unlock"> = async (session, args, ctx) => {
  checkStillWanted(ctx, "CMD_UNLOCK");
  await session.unlock(args.seconds);
  return { seconds: args.seconds };
};

/** The terminal-level ops, registered as a table (handlers.ts spreads it): a new one needs no other agent file. */
export const deviceHandlers = {
  "device.ping": ping,
  "device.info": info,
  "time.get": getTime,
  "time.sync": syncTime,
  "door.unlock": unlockDoor,
};
