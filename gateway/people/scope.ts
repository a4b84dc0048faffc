// Which devices a person-wide call works on: ?sites= and ?devices= resolved against what the key may see.
import type { Context } from "hono";
import type { z } from "zod";
import { deviceNotFound } from "../auth/device-scope";
import { listDevices, type DeviceRow } from "../db/devices";
import { listSiteIds } from "../db/sites";
import type { AppEnv } from "../http/app-env";
import { apiError } from "../http/errors";
import { ScopeQuery } from "../schemas";

export { ScopeQuery };

export type Scope = z.output<typeof ScopeQuery>;

/** The sites this key may see, sorted. */
export async function visibleSites(c: Context<AppEnv>): Promise<string[]> {
  const all = await listSiteIds(c.env.DB);
  const mine = c.get("principal").sites;
  return mine === null ? all : all.filter((s) => mine.includes(s));
}

/**
 * The devices named by `scope`, or every visible one without it. Every listed device and site must be visible
 * (the seed's 404 DEVICE_NOT_FOUND, or SITE_NOT_FOUND), before anything is touched; both given: devices of those
 * sites among those devices. `explicit`: a key that sees more than one site must say which (docs/people.md §2):
 * else 400 VALIDATION_FAILED naming the sites it may choose from.
 */
export async function devicesInScope(c: Context<AppEnv>, scope: Scope, opts: { explicit?: boolean } = {}): Promise<DeviceRow[]> {
  const visible = await listDevices(c.env.DB, c.get("principal").sites);
  const sites = await visibleSites(c);
  if (opts.explicit && scope.sites === undefined && scope.devices === undefined && sites.length > 1) {
    throw apiError("VALIDATION_FAILED", {}, { sites, details: [{ path: "sites", message: "required: this key sees more than one site" }] }, "SCOPE_REQUIRED");
  }
  let targets = visible;
  if (scope.sites) {
    const unknown = scope.sites.find((s) => !sites.includes(s));
    if (unknown !== undefined) throw apiError("SITE_NOT_FOUND", { site_id: unknown });
    targets = targets.filter((d) => scope.sites!.includes(d.site_id));
  }
  if (scope.devices) {
    const byId = new Map(visible.map((d) => [d.id, d]));
    const unknown = scope.devices.find((id) => !byId.has(id));
    if (unknown !== undefined) throw await deviceNotFound(c, unknown);
    const listed = new Set(scope.devices);
    targets = targets.filter((d) => listed.has(d.id));
    // The caller's order, as the old ?devices= answer had it.
    targets.sort((a, b) => scope.devices!.indexOf(a.id) - scope.devices!.indexOf(b.id));
  }
  return targets;
}
