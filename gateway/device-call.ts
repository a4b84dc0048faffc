// Calls an op on a registry device through its site's agent, turning relay failures into the API's messages.
import type { Context } from "hono";
import { RelayError } from "../shared/errors";
import { message } from "../shared/messages";
import type { OpArgs, OpName, OpResult } from "../shared/ops";
import { toTarget, type DeviceRow } from "./db/devices";
import type { AppEnv } from "./http/app-env";
import { langOf } from "./http/language";
import { callAgent } from "./relay/call-agent";

/** Sees the agent's error as it came, `details` included, before it is localised for the caller. */
export type AgentErrorHook = (e: RelayError) => Promise<void>;

/**
 * Runs `op` on `device`; a RelayError comes out with the caller's language (see `localize`). `userId` names the
 * user in USER_* messages when the args do not carry it (users.restore sends a snapshot).
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
    if (onAgentError && e instanceof RelayError) await onAgentError(e);
    const fromArgs = (args as { user_id?: unknown }).user_id;
    throw localize(c, e, device, userId ?? (typeof fromArgs === "string" ? fromArgs : undefined));
  }
}

/**
 * Every code gets our own (Spanish/English) text — DEVICE_UNREACHABLE the seed's "Connection timeout to device
 * <ip>:<port>" from the registry — so an agent's text never reaches the caller verbatim (VALIDATION_FAILED keeps
 * its field detail, sanitised). Agent `details` are dropped (not API), but for DEVICE_UNREACHABLE's
 * `details.reason` and RESTORE_CONFLICT's `held_by`.
 */
export function localize(c: Context<AppEnv>, e: unknown, device: DeviceRow, userId?: string): unknown {
  if (!(e instanceof RelayError)) return e;
  const lang = langOf(c);
  switch (e.code) {
    case "USER_NOT_FOUND":
    case "USER_EXISTS":
      return userId === undefined ? new RelayError(e.code, e.message) : new RelayError(e.code, message(lang, e.code, { user_id: userId }));
    case "AGENT_OFFLINE":
      return new RelayError(e.code, message(lang, e.code, { site_id: device.site_id }));
    case "DEVICE_BUSY":
      return new RelayError(e.code, message(lang, e.code));
    case "RELAY_TIMEOUT":
      return new RelayError(e.code, message(lang, e.code, { device_id: device.id }));
    case "INTERNAL":
      return new RelayError(e.code, message(lang, "INTERNAL"));
    case "RESULT_TOO_LARGE":
      return new RelayError(e.code, message(lang, e.code));
    case "RESTORE_CONFLICT": {
      // Who holds the user_id or uid is the one agent detail the caller gets (checked: three plain fields).
      const h = (e.details?.held_by ?? {}) as { uid?: unknown; user_id?: unknown; name?: unknown };
      const held_by = { uid: Number(h.uid) || 0, user_id: String(h.user_id ?? "").slice(0, 24), name: String(h.name ?? "").slice(0, 24) };
      const held = `uid ${held_by.uid} (user_id '${held_by.user_id}', '${held_by.name}')`;
      return new RelayError(e.code, message(lang, e.code, { user_id: userId ?? held_by.user_id, held }), { held_by });
    }
    case "AGENT_OUTDATED":
      return new RelayError(e.code, message(lang, e.code, { site_id: device.site_id }));
    case "DEVICE_UNREACHABLE": {
      // The seed's text, built from our registry rather than taken from the agent; why (timeout | refused | dns)
      // is the one agent detail the API shows.
      const reason = e.details?.reason;
      const text = `Connection timeout to device ${device.ip}:${device.port}`;
      return new RelayError(e.code, text, typeof reason === "string" ? { details: { reason: reason.slice(0, 16) } } : undefined);
    }
    // Agent text is not passed on: our own message per code (the agent's stays in its log).
    case "DEVICE_TIMEOUT":
    case "DEVICE_AUTH_FAILED":
    case "DEVICE_DISCONNECTED":
    case "DEVICE_REJECTED":
    case "DEVICE_FULL":
    case "PROTOCOL_ERROR":
      return new RelayError(e.code, message(lang, e.code, { device_id: device.id }));
    case "VALIDATION_FAILED":
      // The agent names the field its firmware refuses; kept, but as plain text of bounded length.
      return new RelayError(e.code, e.message.replace(/[^\x20-\x7e\u00a0-\u024f]/g, "").slice(0, 300));
    default:
      return new RelayError(e.code, e.message);
  }
}
