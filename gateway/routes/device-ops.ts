// /devices/{id}/ping, /info, /time, /sync-time: questions and clock changes relayed to the site's agent.
import { Hono } from "hono";
import { RelayError } from "../../shared/errors";
import { message } from "../../shared/messages";
import { requireRole } from "../auth/roles";
import { runOp } from "../device-call";
import type { AppEnv } from "../http/app-env";
import { validBody } from "../http/body";
import { fail, ok, okMessage } from "../http/envelope";
import { UNREACHABLE_CODES } from "../relay/agent-codes";
import { SyncTimeBody } from "../schemas";

export const deviceOps = new Hono<AppEnv>()
  .get("/ping", async (c) => {
    try {
      const { time } = await runOp(c, c.var.device, "device.ping", {});
      return ok(c, { reachable: true, time });
    } catch (e) {
      // gateway-api.md: a ping that cannot reach the device is an answer (503, reachable: false), not a 500.
      if (e instanceof RelayError && UNREACHABLE_CODES.has(e.code)) {
        return fail(c, new RelayError(e.code, e.message, { ...e.details, data: { reachable: false } }), 503);
      }
      throw e;
    }
  })
  .get("/info", async (c) => ok(c, await runOp(c, c.var.device, "device.info", {})))
  .get("/time", async (c) => ok(c, await runOp(c, c.var.device, "time.get", {})))
  .post("/sync-time", requireRole("write"), async (c) => {
    const input = await validBody(c, SyncTimeBody, { optional: true });
    // Without a body the agent sets the terminal to its own clock (terminals have no time zone).
    const { time } = await runOp(c, c.var.device, "time.sync", input.time === undefined ? {} : { time: input.time });
    return okMessage(c, message(c.var.lang, "TIME_SYNCED", { time }), { time });
  });
