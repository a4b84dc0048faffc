// Device scoping: /devices/{id}/… resolves the registry row, and a device outside the caller's sites does not exist.
import type { Context, MiddlewareHandler } from "hono";
import { DeviceId } from "../../shared/device";
import type { CodedError } from "../../shared/errors";
import { listDevices } from "../db/devices";
import type { AppEnv } from "../http/app-env";
import { validParam } from "../http/body";
import { apiError } from "../http/errors";
import { deviceById, timed } from "./cached-rows";
import { canSeeSite } from "./principal";

/** Sets c.var.device from the `:id` path parameter; unknown or out-of-scope ids answer the seed's 404. */
export function deviceFromPath(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = validParam(c, "id", DeviceId);
    // Mounted both on /devices/:id and /devices/:id/*: load once.
    if (c.get("device")?.id !== id) {
      const row = await timed(c, "registry", () => deviceById(c.env, id));
      if (!row || !canSeeSite(c.get("principal"), row.site_id)) throw await deviceNotFound(c, id);
      c.set("device", row);
    }
    await next();
  };
}

/** The seed's DEVICE_NOT_FOUND, with `disponibles` = the ids this caller may see, sorted. */
export async function deviceNotFound(c: Context<AppEnv>, id: string): Promise<CodedError> {
  const visible = await listDevices(c.env.DB, c.get("principal").sites);
  return apiError("DEVICE_NOT_FOUND", { device_id: id }, { disponibles: visible.map((d) => d.id) });
}
