// Worker-side entry to the relay: runs one op on a site's agent and turns the answer back into a result or a RelayError.
import type { DeviceTarget } from "../../shared/device";
import { isErrorCode, RelayError } from "../../shared/errors";
import { OPS, type OpArgs, type OpName, type OpResult } from "../../shared/ops";
import type { Env } from "../env";
import { AGENT_ERROR_CODES } from "./agent-codes";
import type { AgentStatus, RelayFailure, RelayMeta, RelayOutcome } from "./contract";

/** Ops that read or write whole tables (many data packets), so they get a larger share of the budget. */
export const BULK_OPS: ReadonlySet<OpName> = new Set<OpName>([
  "users.list",
  "attendance.list",
  "users.delete",
  "users.restore",
  "device.info",
]);

/** Longest any relayed call may take. */
export const MAX_RELAY_MS = 120_000;

/**
 * How long the gateway waits for `op`. The device timeout is per packet (seconds, as in the seed's registry);
 * an op is a connect, a few commands and a disconnect, so allow 4 packets (12 for bulk reads), plus 2 s for
 * the relay hops.
 */
export function relayBudgetMs(op: OpName, timeoutSeconds: number): number {
  const packets = BULK_OPS.has(op) ? 12 : 4;
  return Math.min(MAX_RELAY_MS, Math.round(timeoutSeconds * 1000 * packets) + 2000);
}

/** The site's SiteRelay stub (one Durable Object per site, addressed by name). */
export function siteRelay(env: Env, siteId: string) {
  return env.SITE_RELAY.get(env.SITE_RELAY.idFromName(siteId));
}

/**
 * Runs `op` on `device` through the agent of `siteId`. Throws RelayError with the agent's code (AGENT_OFFLINE,
 * RELAY_TIMEOUT, DEVICE_*, USER_NOT_FOUND, …); a result that does not match the op's schema is PROTOCOL_ERROR.
 * `meta` travels with the request (a late users.delete answer is recorded under meta.keyId).
 */
export async function callAgent<O extends OpName>(
  env: Env,
  siteId: string,
  device: DeviceTarget,
  op: O,
  args: OpArgs<O>,
  meta: RelayMeta = {},
): Promise<OpResult<O>> {
  const deadline = Math.min(Date.now() + relayBudgetMs(op, device.timeout), meta.deadline ?? Infinity);
  let outcome: RelayOutcome;
  try {
    // workers-types turns a union RPC return type into `never`; relay() is declared to return RelayOutcome.
    const { deadline: _total, ...forward } = meta;
    outcome = (await siteRelay(env, siteId).relay(op, device, args as Record<string, unknown>, deadline, forward)) as RelayOutcome;
  } catch (e) {
    // The Durable Object itself failed (reset by a deploy, overloaded): not the agent's answer.
    console.error(`[relay ${siteId}] ${op} failed in the Durable Object: ${e instanceof Error ? e.message : String(e)}`);
    throw new RelayError("INTERNAL", `Relay to site '${siteId}' failed`);
  }
  if (!outcome.ok) throw toRelayError(outcome.error, siteId);
  const parsed = OPS[op].result.safeParse(outcome.result);
  if (!parsed.success) {
    const where = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    console.error(`[relay ${siteId}] agent answered ${op} with an invalid result: ${where.join("; ")}`);
    if (op === "users.delete") {
      // The agent reported success: the user is most likely gone from the terminal, and without a valid
      // snapshot it cannot be restored. This must stand out in the logs.
      const userId = (args as { user_id?: unknown }).user_id;
      console.error(`[relay ${siteId}] USER DELETED WITHOUT SNAPSHOT? users.delete on device ${device.id} for user_id ${String(userId)} succeeded with an invalid result`);
    }
    throw new RelayError("PROTOCOL_ERROR", `The agent answered ${op} with an invalid result`);
  }
  return parsed.data as OpResult<O>;
}

/**
 * A relay failure as a RelayError. Only AGENT_ERROR_CODES pass; INTERNAL stays INTERNAL; any other code — unknown,
 * or one of ours the agent has no business sending (UNAUTHORIZED, SITE_NOT_FOUND…) — becomes INTERNAL, keeping
 * the agent's code in `details.agent_code` and in the log.
 */
export function toRelayError(error: RelayFailure, siteId = "?"): RelayError {
  // The agent could not send its result (over the frame cap): not a bug of ours, and a retry will not help.
  if (error.code === "PAYLOAD_TOO_LARGE" || error.code === "RESULT_TOO_LARGE") {
    return new RelayError("RESULT_TOO_LARGE", error.message, { agent_code: error.code });
  }
  // An older agent answers BAD_REQUEST to an op it does not know (agent/relay/requests.ts).
  if (error.code === "BAD_REQUEST") return new RelayError("AGENT_OUTDATED", error.message, { agent_code: error.code });
  if (isErrorCode(error.code) && (AGENT_ERROR_CODES.has(error.code) || error.code === "INTERNAL")) {
    return new RelayError(error.code, error.message, error.details);
  }
  console.error(`[relay ${siteId}] agent answered with code ${JSON.stringify(error.code.slice(0, 64))}, which agents may not send; answering INTERNAL`);
  return new RelayError("INTERNAL", error.message, { ...error.details, agent_code: error.code });
}

/** Whether the site's agent is connected, with its hostname/version from `hello`. */
export async function agentStatus(env: Env, siteId: string): Promise<AgentStatus> {
  return siteRelay(env, siteId).status();
}

/**
 * Makes `tokenHash` the only agent token the site's relay accepts (null: none — the site is gone) and closes
 * connections made with any other; returns how many were closed. Call it after D1 has the same change.
 */
export async function setAgentToken(env: Env, siteId: string, tokenHash: string | null): Promise<number> {
  return siteRelay(env, siteId).setToken(tokenHash);
}
