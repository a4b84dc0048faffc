// Registry changes reach the agents without a restart: the sites concerned send their agent a fresh watch list.
import type { Context } from "hono";
import { siteRelay } from "../relay/call-agent";
import type { AppEnv } from "../http/app-env";
import { later } from "../http/later";

/** After a device of `sites` was added, changed or removed: each site's agent gets the new list (docs/events.md §4). */
export function pushWatchList(c: Context<AppEnv>, ...sites: string[]): void {
  for (const site of new Set(sites)) later(c, siteRelay(c.env, site).pushWatch());
}
