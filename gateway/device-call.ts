// Calls an op on a registry device through its site's agent; failures come out as CodedErrors with the device's params.
import type { Context } from "hono";
import { CodedError, errorSpec } from "../shared/errors";
import type { MessageParams } from "../shared/messages";
import type { OpArgs, OpName, OpResult } from "../shared/ops";
import { toTarget, type DeviceRow } from "./db/devices";
import type { AppEnv } from "./http/app-env";
import { callAgent } from "./relay/call-agent";

/** Sees the agent's error as it came, `details` included, before they are dropped for the caller. */
export type AgentErrorHook = (e: CodedError) => Promise<void>;

/**
 * Runs `op` on `device`. A CodedError comes out with the params its message needs (device, site, and the user
 * named by `userId` or the args) — the text is made at the edge — and without the agent's `details`, which are
 * not API, but for the contract's `publicDetails` (DEVICE_UNREACHABLE's `reason`). `userId` names the user when the args do not carry it (users.restore sends a snapshot).
 */
export async function runOp<O extends OpName>(
  c: Context<AppEnv>,
  device: DeviceRow,
  op: O,
  args: OpArgs<O>,
  userId?: string,
  onAgentError?: AgentErrorHook,
): Promise<OpResult<O>> {
  try {
    const meta = { keyId: c.get("principal")?.keyId, deviceCreatedAt: device.created_at, deadline: c.get("deadline") };
    return await callAgent(c.env, device.site_id, toTarget(device), op, args, meta);
  } catch (e) {
    if (e instanceof CodedError && onAgentError) await onAgentError(e);
    const fromArgs = (args as { user_id?: unknown }).user_id;
    throw forCaller(e, device, userId ?? (typeof fromArgs === "string" ? fromArgs : undefined));
  }
}

/**
 * A relayed op's failure as the caller will see it: the params its message needs (device, site, user) and only
 * the contract's `publicDetails` of the agent's details. Anything but a CodedError passes unchanged.
 */
export function forCaller(e: unknown, device: DeviceRow, userId?: string): unknown {
  if (!(e instanceof CodedError)) return e;
  // ip/port: DEVICE_UNREACHABLE's seed text is built from the registry, not taken from the agent.
  const params: MessageParams = { device_id: device.id, site_id: device.site_id, ip: device.ip, port: device.port, ...(userId === undefined ? {} : { user_id: userId }) };
  if (e.code === "RESTORE_CONFLICT") {
    // Who holds the user_id or uid: the one structured agent detail the caller gets, reduced to three plain fields.
    const h = (e.details?.held_by ?? {}) as { uid?: unknown; user_id?: unknown; name?: unknown };
    const held_by = { uid: Number(h.uid) || 0, user_id: String(h.user_id ?? "").slice(0, 24), name: String(h.name ?? "").slice(0, 24) };
    params.held = `uid ${held_by.uid} (user_id '${held_by.user_id}', '${held_by.name}')`;
    return new CodedError(e.code, e.message, { held_by }, { ...e.params, ...params }, e.key);
  }
  const shown = (errorSpec(e.code).publicDetails ?? []).filter((k) => typeof e.details?.[k] === "string");
  const details = shown.length > 0 ? { details: Object.fromEntries(shown.map((k) => [k, e.details![k]])) } : undefined;
  // The contract's own key for codes whose text is ours; the params win over the agent's (it names no registry device).
  return new CodedError(e.code, e.message, details, { ...e.params, ...params }, e.key);
}
