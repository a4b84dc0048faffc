// GET /events/devices: a watch row is the agent's last report, true only while that agent is connected (docs/events.md §7).
import type { Env } from "../env";
import { agentStatus } from "../relay/call-agent";
import type { StoredWatchRow } from "./query";
import type { WatchRow } from "./schemas";

/** The state of a terminal whose site's agent is not connected: its last report may be hours old. */
export const AGENT_OFFLINE_STATE = "agent_offline";

/**
 * Adds `agent_connected` to each row and, for a site whose agent is gone, shows `state: "agent_offline"` instead
 * of the last report (a killed agent never sends "stopped"); one status call per site in the answer.
 */
export async function withAgentPresence(env: Env, rows: StoredWatchRow[]): Promise<WatchRow[]> {
  const sites = [...new Set(rows.map((r) => r.site_id))];
  const connected = new Map(
    await Promise.all(sites.map(async (s) => [s, await agentStatus(env, s).then((a) => a.connected, () => false)] as const)),
  );
  return rows.map(({ site_id, ...row }) => {
    const online = connected.get(site_id) === true;
    return { ...row, state: online ? row.state : AGENT_OFFLINE_STATE, agent_connected: online };
  });
}
