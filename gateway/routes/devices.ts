// /devices: the registry (list, register, read, change, remove); changes need an admin key.
import { Hono, type Context } from "hono";
import { message } from "../../shared/messages";
import { deviceFromPath, deviceNotFound } from "../auth/device-scope";
import { canSeeSite } from "../auth/principal";
import { requireRole } from "../auth/roles";
import { noteAudit } from "../audit";
import { deleteDevice, insertDevice, listDevices, toPublicDevice, updateDevice } from "../db/devices";
import { getSite, listSiteIds } from "../db/sites";
import type { AppEnv } from "../http/app-env";
import { validBody } from "../http/body";
import { ok, okMessage } from "../http/envelope";
import { apiError } from "../http/errors";
import { CreateDeviceBody, UpdateDeviceBody } from "../schemas";
import { pushWatchList } from "../events/watch";

export const devices = new Hono<AppEnv>()
  .get("/", async (c) => {
    const rows = await listDevices(c.env.DB, c.get("principal").sites);
    return ok(c, rows.map(toPublicDevice));
  })
  .post("/", requireRole("admin"), async (c) => {
    const input = await validBody(c, CreateDeviceBody);
    noteAudit(c, { device: input.id });
    const site = await siteFor(c, input.site);
    noteAudit(c, { site });
    const now = new Date().toISOString();
    const row = {
      id: input.id,
      site_id: site,
      name: input.name ?? input.id,
      ip: input.ip,
      port: input.port,
      password: input.password,
      timeout: input.timeout,
      transport: input.transport,
    };
    if (!(await insertDevice(c.env.DB, row, now))) throw apiError("DEVICE_EXISTS", { device_id: input.id });
    pushWatchList(c, site);
    const created = toPublicDevice({ ...row, created_at: now, updated_at: now });
    return okMessage(c, message(c.var.lang, "DEVICE_CREATED", { device_id: input.id }), created, 201);
  })
  .get("/:id", deviceFromPath(), (c) => ok(c, toPublicDevice(c.var.device)))
  .put("/:id", deviceFromPath(), requireRole("admin"), async (c) => {
    const input = await validBody(c, UpdateDeviceBody);
    const before = c.var.device;
    noteAudit(c, { before: toPublicDevice(before) });
    const site = input.site === undefined ? before.site_id : await siteFor(c, input.site);
    const { created_at: _c, updated_at: _u, ...current } = before;
    const row = await updateDevice(c.env.DB, { ...current, ...input, site_id: site }, new Date().toISOString());
    // Deleted by a concurrent call between the lookup and the update: the same 404 as if it had never been.
    if (!row) throw await deviceNotFound(c, before.id);
    pushWatchList(c, site, before.site_id);
    return okMessage(c, message(c.var.lang, "DEVICE_UPDATED", { device_id: row.id }), toPublicDevice(row));
  })
  .delete("/:id", deviceFromPath(), requireRole("admin"), async (c) => {
    const device = c.var.device;
    noteAudit(c, { before: toPublicDevice(device) });
    // Its delete snapshots go in the same batch (db/devices.ts deleteDevice).
    await deleteDevice(c.env.DB, device.id);
    pushWatchList(c, device.site_id);
    return okMessage(c, message(c.var.lang, "DEVICE_DELETED", { device_id: device.id }));
  });

/**
 * The site a device goes to: the one named (it must exist and be within the key's sites), or, when none is
 * named, the only site the key can use (docs/http-api.md §5: else 400 VALIDATION_FAILED with SITE_REQUIRED).
 */
async function siteFor(c: Context<AppEnv>, requested: string | undefined): Promise<string> {
  const principal = c.get("principal");
  if (requested === undefined) {
    const usable = (await listSiteIds(c.env.DB)).filter((s) => canSeeSite(principal, s));
    if (usable.length === 1) return usable[0];
    throw apiError("VALIDATION_FAILED", {}, { details: [{ path: "site", message: message(c.var.lang, "SITE_REQUIRED") }] }, "SITE_REQUIRED");
  }
  // Scope first: a site-scoped key learns nothing about sites outside its list.
  if (!canSeeSite(principal, requested)) throw apiError("FORBIDDEN");
  if (!(await getSite(c.env.DB, requested))) throw apiError("SITE_NOT_FOUND", { site_id: requested });
  return requested;
}
