// Hand-off from the event store to webhook delivery: called with the events just stored (never duplicates).
import type { StoredEvent } from "../../shared/events";
import type { Env } from "../env";

/** Called once per newly stored batch, after the D1 commit; h11-hooks' delivery (Cloudflare Queues) plugs in here. */
export async function publishStoredEvents(_env: Env, _events: StoredEvent[]): Promise<void> {}
