// Queued offboarding deletes (DELETE /users/{id}?queue=true): applied by the site's SiteRelay when its agent says hello again.
import { CodedError } from "../../shared/errors";
import type { DeviceTarget } from "../../shared/device";
import { OPS } from "../../shared/ops";
import { relayBudgetMs } from "../../shared/budget";
import { completeAudit } from "../db/audit";
import { getDevice, toTarget } from "../db/devices";
import { forCaller } from "../device-call";
import type { Env } from "../env";
import type { RelayMeta, RelayOutcome } from "../relay/contract";
import { toCodedError } from "../relay/call-agent";
import { statusOf } from "../user-delete";
import { claimQueued, queuedForSite, updateOffboardingDevices } from "./store";

/** SiteRelay.relay, handed in by the Durable Object itself (it holds the agent's socket). */
export type RelayFn = (op: string, device: DeviceTarget, args: Record<string, unknown>, deadline: number, meta: RelayMeta) => Promise<RelayOutcome>;

/**
 * Runs the queued deletes of `siteId`, oldest first, one at a time (the agent queues per terminal anyway). Each is
 * claimed first (an undo may have called it off, another hello may be running it), then sent as the offboarding's
 * own key would: users.delete is a durable-result op, so its snapshot is stored by the relay under the request id
 * before the answer comes back here. The device's row and an audit row record the outcome; an agent gone again
 * puts the device back in the queue. Never throws for one device: the next one still runs.
 */
export async function applyQueued(env: Env, siteId: string, relay: RelayFn): Promise<number> {
  let applied = 0;
  for (const row of await queuedForSite(env.DB, siteId, Date.now())) {
    const now = () => new Date().toISOString();
    if (!(await claimQueued(env.DB, row, now()))) continue;
    const where = `[queued ${siteId}] offboarding ${row.offboarding_id} on device ${row.device_id}`;
    try {
      const device = await getDevice(env.DB, row.device_id);
      if (!device || device.site_id !== siteId) {
        const err = new CodedError("DEVICE_NOT_FOUND", "", undefined, { device_id: row.device_id });
        await updateOffboardingDevices(env.DB, row.offboarding_id, [{ device: row.device_id, status: "error", error: err }], now());
        continue;
      }
      const requestId = crypto.randomUUID();
      const audit = { key_id: row.key_id, action: "users.delete", method: "DELETE", path: `/users/${row.user_id}`, site_id: siteId, device_id: device.id, user_id: row.user_id };
      const deadline = Date.now() + relayBudgetMs("users.delete", device.timeout);
      const outcome = await relay("users.delete", toTarget(device), { user_id: row.user_id }, deadline, { requestId, keyId: row.key_id, deviceCreatedAt: device.created_at, audit });
      const base = { ...audit, at: now(), relay_id: requestId };
      if (outcome.ok && OPS["users.delete"].result.safeParse(outcome.result).success) {
        const snap = await env.DB.prepare("SELECT id FROM user_snapshots WHERE request_id = ?").bind(requestId).first<{ id: number }>();
        const snapshotId = snap?.id ?? null;
        await updateOffboardingDevices(env.DB, row.offboarding_id, [{ device: device.id, status: "deleted", snapshotId }], now());
        const user = (outcome.result as { user: unknown }).user;
        const detail = { offboarding_id: row.offboarding_id, queued: true, ...(snapshotId === null ? { snapshot_saved: false } : { snapshot_id: snapshotId }) };
        await completeAudit(env.DB, { ...base, status: 200, result: "ok", before_state: JSON.stringify(user), detail: JSON.stringify(detail) });
        applied++;
        continue;
      }
      const err = outcome.ok ? new CodedError("PROTOCOL_ERROR", "invalid users.delete result") : (forCaller(toCodedError(outcome.error, siteId), device, row.user_id) as CodedError);
      // The agent left again before answering: the device waits for its next hello.
      const status = err.code === "AGENT_OFFLINE" ? "queued" : statusOf(err);
      await updateOffboardingDevices(env.DB, row.offboarding_id, [{ device: device.id, status, error: status === "queued" ? undefined : err }], now());
      if (status !== "queued") {
        await completeAudit(env.DB, { ...base, status: err.status, result: err.code, before_state: null, detail: JSON.stringify({ offboarding_id: row.offboarding_id, queued: true }) });
      }
    } catch (e) {
      console.error(`${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return applied;
}
