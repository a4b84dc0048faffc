// Webhook test helpers inside workerd: the receiver's control API (it runs in Node, see webhook-receiver.global.ts) and synthetic events.
import { inject } from "vitest";
import { env } from "cloudflare:workers";
import type { AgentEvent, StoredEvent } from "../../shared/events";
import { ingestEvents } from "../../gateway/events/store";
import { publishStoredEvents } from "../../gateway/webhooks/publish";
import { createDevice, createSite, json, uid } from "./helpers";

declare module "vitest" {
  export interface ProvidedContext {
    receiverUrl: string;
  }
}

/** scripts/lib/webhook-receiver.ts's shapes (that module is Node's; these tests run in workerd). */
export interface PathBehaviour {
  failFirst?: number;
  failStatus?: number;
  secret?: string;
}
export interface Received {
  path: string;
  eventId: string | undefined;
  deliveryId: string | undefined;
  attempt: number;
  body: string;
  verified: boolean | null;
  status: number;
  at: number;
}

export const RECEIVER = inject("receiverUrl");

export async function configureReceiver(path: string, behaviour: PathBehaviour): Promise<void> {
  const res = await fetch(`${RECEIVER}/_control/configure?path=${encodeURIComponent(path)}`, { method: "POST", body: JSON.stringify(behaviour) });
  if (res.status !== 204) throw new Error(`receiver configure: ${res.status}`);
}

export async function received(path: string): Promise<Received[]> {
  const res = await fetch(`${RECEIVER}/_control/received?path=${encodeURIComponent(path)}`);
  return (await res.json()) as Received[];
}

/** Polls `check` every 100 ms until it returns a value (not undefined), for at most `ms`. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A fresh receiver path with `behaviour`, and a webhook pointing at it; returns both and the secret. */
export async function hookTo(
  behaviour: Omit<PathBehaviour, "secret"> = {},
  body: { events?: string[]; sites?: string[] } = {},
): Promise<{ id: string; path: string; secret: string }> {
  const path = `/hooks/${uid("h")}`;
  const r = await json("POST", "/admin/webhooks", { body: { url: `${RECEIVER}${path}`, events: body.events ?? ["attendance"], ...body } });
  if (r.status !== 201) throw new Error(`create webhook: ${r.status} ${r.text}`);
  await configureReceiver(path, { ...behaviour, secret: r.body.data.secret });
  return { id: r.body.data.id, path, secret: r.body.data.secret };
}

let n = 0;
/** A punch at `device` (a distinct second each time, so each is its own event). */
export function punch(device: string, type: AgentEvent["type"] = "attendance"): AgentEvent {
  n += 1;
  const t = new Date(Date.UTC(2026, 11, 4, 8, 0, 0) + n * 1000).toISOString().replace("T", " ").slice(0, 19);
  return { device_id: device, type, user_id: String(100 + (n % 50)), timestamp: t, status: 1, punch: n % 2, catch_up: false };
}

/** A site with `count` registered devices (nothing dials them: events come straight into the store). */
export async function siteWithDevices(count: number): Promise<{ site: string; devices: string[] }> {
  const site = await createSite();
  const devices: string[] = [];
  for (let i = 0; i < count; i++) devices.push(await createDevice({ site: site.id }));
  return { site: site.id, devices };
}

/** What SiteRelay does with an agent's batch: store it (gateway/events/store.ts), then publish what was new. */
export async function storeAndPublish(site: string, events: AgentEvent[]): Promise<StoredEvent[]> {
  const { stored } = await ingestEvents(env.DB, site, events);
  await publishStoredEvents(env, stored);
  return stored;
}
