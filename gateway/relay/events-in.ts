// SiteRelay's event side: agent event batches stored in order and acknowledged, the watch list sent to the agent.
import type { EventsFrame, WatchFrame } from "../../shared/events";
import { RELAY_VERSION } from "../../shared/relay";
import { toTarget, type DeviceRow } from "../db/devices";
import type { Env } from "../env";
import { ingestEvents } from "../events/store";
import { publishStoredEvents } from "../webhooks/publish";
import { send } from "./frames-out";

/**
 * Stores batches one at a time per site (the seqs a batch reads must still be the last when it commits), then
 * acknowledges each so the agent's event outbox lets it go. A batch that could not be stored is not acknowledged:
 * the agent sends it again (docs/events.md §6).
 */
export class EventIntake {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly env: Env,
    private readonly log: (text: string, ws?: WebSocket) => void,
  ) {}

  ingest(ws: WebSocket, siteId: string, frame: EventsFrame): Promise<void> {
    const run = this.chain.then(() => this.store(ws, siteId, frame));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async store(ws: WebSocket, siteId: string, frame: EventsFrame): Promise<void> {
    let result;
    try {
      result = await ingestEvents(this.env.DB, siteId, frame.events, frame.status ?? []);
    } catch (e) {
      this.log(`could not store events batch ${frame.id}; the agent will send it again: ${e instanceof Error ? e.message : String(e)}`, ws);
      return;
    }
    if (result.foreign > 0) this.log(`dropped ${result.foreign} events of devices not registered to this site`, ws);
    if (result.stored.length > 0) {
      try {
        await publishStoredEvents(this.env, result.stored);
      } catch (e) {
        // Stored is stored: a re-sent batch would be all duplicates and publish nothing, so acknowledging is right.
        this.log(`publishing ${result.stored.length} stored events failed: ${e instanceof Error ? e.message : String(e)}`, ws);
      }
    }
    send(ws, { v: RELAY_VERSION, type: "ack", id: frame.id });
  }
}

/** The watch list of `siteId`: every registered device of the site, with what the agent needs to dial it. */
export async function watchFrame(db: D1Database, siteId: string): Promise<WatchFrame> {
  const { results } = await db.prepare("SELECT * FROM devices WHERE site_id = ? ORDER BY id").bind(siteId).all<DeviceRow>();
  return { v: RELAY_VERSION, type: "watch", devices: results.map(toTarget) };
}
