// Attendance: one device's records, and /attendance/all fanning out to every device the key can see.
import { Hono } from "hono";
import { RelayError } from "../../shared/errors";
import { message } from "../../shared/messages";
import type { AttendanceRecord } from "../../shared/ops";
import { listDevices } from "../db/devices";
import { runOp } from "../device-call";
import { fanOutDeadline, mapSettled } from "../fan-out";
import { relayBudgetMs } from "../relay/call-agent";
import type { AppEnv } from "../http/app-env";
import { validQuery } from "../http/body";
import { ok } from "../http/envelope";
import { AttendanceAllQuery, AttendanceQuery } from "../schemas";

export const attendance = new Hono<AppEnv>()
  .get("/devices/:id/attendance", async (c) => {
    const filters = validQuery(c, AttendanceQuery);
    const { records } = await runOp(c, c.var.device, "attendance.list", filters);
    return ok(c, records);
  })
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
        errors[id] = s.reason instanceof RelayError ? s.reason.message : message(c.var.lang, "INTERNAL");
        if (!(s.reason instanceof RelayError)) console.error(`[${c.var.requestId}] attendance ${id}: ${String(s.reason)}`);
      }
    });
    return c.json({ success: true, data, errors });
  });
