// Worker-side entry to the relay: runs one op on a site's agent and turns the answer back into a result or a CodedError.
import { relayBudgetMs } from "../../shared/budget";
import type { DeviceTarget } from "../../shared/device";
import { CodedError, fromWire } from "../../shared/errors";
import { OPS, type OpArgs, type OpName, type OpResult } from "../../shared/ops";
import type { Env } from "../env";
import type { AgentStatus, RelayFailure, RelayMeta, RelayOutcome } from "./contract";

export { MAX_RELAY_MS, relayBudgetMs } from "../../shared/budget";

/** The site's SiteRelay stub (one Durable Object per site, addressed by name). */
export function siteRelay(env: Env, siteId: string) {
  return env.SITE_RELAY.get(env.SITE_RELAY.idFromName(siteId));
}

/**
 * Runs `op` on `device` through the agent of `siteId`. Throws CodedError with the agent's code (AGENT_OFFLINE,
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
  const total = meta.deadline;
  const deadline = Math.min(Date.now() + relayBudgetMs(op, device.timeout), (typeof total === "number" ? total : total?.at) ?? Infinity);
  let outcome: RelayOutcome;
  try {
    const { deadline: _total, ...forward } = meta;
    if (typeof total === "object") {
      // A fan-out's call: its extensions move the total deadline, and stay within its bound (docs/relay.md §4).
      forward.latest = total.latest;
      forward.onExtend = (extendedTo: number) => total.extended(extendedTo);
    }
    // workers-types turns a union RPC return type into `never`; relay() is declared to return RelayOutcome.
    outcome = (await siteRelay(env, siteId).relay(op, device, args as Record<string, unknown>, deadline, forward)) as RelayOutcome;
  } catch (e) {
    // The Durable Object itself failed (reset by a deploy, overloaded): not the agent's answer.
    console.error(`[relay ${siteId}] ${op} failed in the Durable Object: ${e instanceof Error ? e.message : String(e)}`);
    throw new CodedError("INTERNAL", `Relay to site '${siteId}' failed`);
  }
  if (!outcome.ok) throw toCodedError(outcome.error, siteId);
  const parsed = OPS[op].result.safeParse(outcome.result);
  if (!parsed.success) {
    const where = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    console.error(`[relay ${siteId}] agent answered ${op} with an invalid result: ${where.join("; ")}`);
    if (OPS[op].durableResult) {
      // The agent reported success: the change most likely happened on the terminal, and what its result was to
      // keep (a delete's undo snapshot) is lost. This must stand out in the logs.
      const userId = (args as { user_id?: unknown }).user_id;
      console.error(`[relay ${siteId}] DURABLE RESULT LOST? ${op} on device ${device.id} for user_id ${String(userId)} succeeded with an invalid result`);
    }
    throw new CodedError("PROTOCOL_ERROR", `The agent answered ${op} with an invalid result`);
  }
  return parsed.data as OpResult<O>;
}

/**
 * A relay failure as a CodedError, by the error contract (shared/errors.ts fromWire): codes agents may send pass,
 * an older agent's BAD_REQUEST is AGENT_OUTDATED, a result over the frame cap RESULT_TOO_LARGE, anything else — unknown, or one of ours the agent has no
 * business sending (UNAUTHORIZED, SITE_NOT_FOUND…) — becomes INTERNAL, with the agent's code in
 * `details.agent_code` and in the log.
 */
export function toCodedError(error: RelayFailure, siteId = "?"): CodedError {
  const { err, refused } = fromWire(error);
  if (refused !== undefined) {
    console.error(`[relay ${siteId}] agent answered with code ${JSON.stringify(refused.slice(0, 64))}, which agents may not send; answering INTERNAL`);
  }
  return err;
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
