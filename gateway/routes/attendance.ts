// GET /attendance/all: every device's attendance the key can see, in parallel (one device's route is in terminal.ts).
import { Hono } from "hono";
import { coded, CodedError, localize } from "../../shared/errors";
import type { AttendanceRecord } from "../../shared/ops";
import { listDevices } from "../db/devices";
import { runOp } from "../device-call";
import { fanOutDeadline, mapSettled } from "../fan-out";
import { relayBudgetMs } from "../relay/call-agent";
import type { AppEnv } from "../http/app-env";
import { validQuery } from "../http/body";
import { AttendanceAllQuery } from "../schemas";

export const attendance = new Hono<AppEnv>()
  .get("/attendance/all", async (c) => {
    const filters = validQuery(c, AttendanceAllQuery);
    const devices = await listDevices(c.env.DB, c.get("principal").sites);
    c.set("deadline", fanOutDeadline(devices.map((d) => relayBudgetMs("attendance.list", d.timeout))));
    // Several at a time (fan-out.ts): one slow or offline site holds up only its own slot, up to its deadline.
    const settled = await mapSettled(devices, (d) => runOp(c, d, "attendance.list", filters));
    const data: (AttendanceRecord & { device: string })[] = [];
    const errors: Record<string, string> = {};
    settled.forEach((s, i) => {
      const id = devices[i].id;
      if (s.status === "fulfilled") {
        for (const r of s.value.records) data.push({ ...r, device: id });
      } else {
        // A 200 answer that carries errors: each is localized here, at the edge, like an error answer.
        errors[id] = localize(s.reason instanceof CodedError ? s.reason : coded("INTERNAL"), c.var.lang);
        if (!(s.reason instanceof CodedError)) console.error(`[${c.var.requestId}] attendance ${id}: ${String(s.reason)}`);
      }
    });
    return c.json({ success: true, data, errors });
  });
