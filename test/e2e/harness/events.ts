// Reading the gateway's stored events in e2e tests: every page of GET /events, and the punches a simulator logged.
import type { Simulator } from "../../../agent/zk/sim/types";
import type { ApiClient } from "../../../scripts/lib/api-client";
import type { StoredEvent } from "../../../shared/events";

/** Every stored event (all pages of GET /events, following `next`). */
export async function allEvents(api: ApiClient, query = ""): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let after = "";
  for (;;) {
    const r = await api.get(`/events?limit=1000${query}${after ? `&after=${after}` : ""}`);
    if (r.status !== 200) throw new Error(`GET /events answered ${r.status}: ${r.text}`);
    const page = r.body.data as StoredEvent[];
    out.push(...page);
    if (page.length < 1000) return out;
    after = r.body.next as string;
  }
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The dedupe fields of every record in `sim`'s log, as the gateway keys them (user_id resolved from the uid). */
export function loggedPunches(sim: Simulator): string[] {
  const users = new Map(sim.state.users().map((u) => [u.uid, u.userId]));
  return sim.state.attendance().map((r) => {
    const t = r.time;
    const ts = `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
    return `${r.userId || users.get(r.uid) || ""}|${ts}|${r.status}|${r.punch}`;
  });
}

/** The same fields of a stored attendance event. */
export const punchKey = (e: StoredEvent) => `${e.user_id}|${e.timestamp}|${e.status}|${e.punch}`;
