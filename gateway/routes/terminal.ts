// Every terminal operation's route, derived from its declaration (shared/ops.ts); a few ops add steps of their own.
import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { CodedError } from "../../shared/errors";
import { message, type MessageParams } from "../../shared/messages";
import { OPS, ROUTED_OP_NAMES, UserId, type OpDecl, type OpName } from "../../shared/ops";
import { requireRole } from "../auth/roles";
import { noteAudit } from "../audit";
import { runOp } from "../device-call";
import type { AppEnv } from "../http/app-env";
import { validBody, validParam, validQuery } from "../http/body";
import { fail, ok, okMessage } from "../http/envelope";
import { assertAttendanceStored } from "../people/attendance-guard";
import { pagedAttendance } from "../events/attendance";
import { restoreUser } from "../restore";
import { deletedDetail, deleteUserWithSnapshot, sweepOldSnapshots } from "../user-delete";

type Args = Record<string, unknown>;

/** How each path parameter besides the device `{id}` (checked by deviceFromPath) is validated. */
const PATH_PARAMS: Record<string, z.ZodType> = { user_id: UserId };

/** `/devices/{id}/users/{user_id}` → `/devices/:id/users/:user_id` */
export function honoPath(path: string): string {
  return path.replace(/\{([A-Za-z_]+)\}/g, ":$1");
}

/** The path parameters of a declared path, in order. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z_]+)\}/g)].map((m) => m[1]!);
}

/**
 * Ops whose route does more than relay: the delete keeps an undo snapshot, the restore sends one, and ping answers
 * an unreachable terminal with 503. They return the op's result (answered as declared) or a whole Response.
 */
const STEPS: { [O in OpName]?: (c: Context<AppEnv>, args: Args, input: Args) => Promise<unknown> } = {
  "users.delete": async (c, args) => {
    // The audit row is linked to the relay request before it is sent: a result arriving late completes it.
    const relayId = crypto.randomUUID();
    noteAudit(c, { relay: relayId });
    const deleted = await deleteUserWithSnapshot(c, c.var.device, String(args.user_id), { single: true, relayId });
    noteAudit(c, { before: deleted.user, detail: deletedDetail(deleted) });
    sweepOldSnapshots(c);
    // The seed's body, word for word: no data — also when the snapshot could not be kept (the user is deleted).
    return {};
  },
  "users.update": async (c, args) => {
    const { user, before } = await runOp(c, c.var.device, "users.update", args as never);
    // The audit row's before-state: the user as the terminal had it (case: PUT used to log null).
    if (before) noteAudit(c, { before });
    return { user };
  },
  "users.restore": (c, args, input) =>
    restoreUser(c, c.var.device, String(args.user_id), input.snapshot_id as number | undefined),
  "attendance.clear": async (c, args) => {
    // Only once every record is kept at the gateway (docs/people.md §5); the agent then checks the count.
    await assertAttendanceStored(c, c.var.device, Number(args.expected_count));
    return runOp(c, c.var.device, "attendance.clear", args as never);
  },
  // With after/limit or an export Accept: paged or streamed, from the stored log of a watched terminal (docs/events.md §7).
  "attendance.list": async (c, args) => {
    const paged = await pagedAttendance(c, c.var.device, args);
    if (paged) return paged;
    return runOp(c, c.var.device, "attendance.list", args as never);
  },
  "device.ping": async (c) => {
    try {
      const { time } = await runOp(c, c.var.device, "device.ping", {});
      return ok(c, { reachable: true, time });
    } catch (e) {
      // A ping that cannot reach the device is an answer (503, reachable: false), not a 500.
      const status = e instanceof CodedError ? OPS["device.ping"].http.statusOf?.[e.code] : undefined;
      if (!(e instanceof CodedError) || status === undefined) throw e;
      return fail(c, new CodedError(e.code, e.message, { ...e.details, data: { reachable: false } }, e.params, e.key), status);
    }
  },
};

/** Message params: path params, then args, then the result's own fields (a synced time, a created user's id). */
function paramsOf(args: Args, result: unknown): MessageParams {
  const out: MessageParams = {};
  for (const source of [args, result]) {
    if (typeof source !== "object" || source === null) continue;
    for (const [k, v] of Object.entries(source)) if (typeof v === "string" || typeof v === "number") out[k] = v;
  }
  return out;
}

/** The declared answer: `message` and/or `data`, with the declared status. */
function answer(c: Context<AppEnv>, decl: OpDecl, args: Args, result: unknown): Response {
  const { http } = decl;
  const status = (http.status ?? 200) as ContentfulStatusCode;
  const data = http.data === true ? result : http.data === undefined ? undefined : (result as Args)[http.data];
  if (http.message === undefined) return ok(c, data, status);
  return okMessage(c, message(c.var.lang, http.message, { device_id: c.var.device?.id, ...paramsOf(args, result) }), data, status);
}

/** Validates path, body or query as declared, runs the op (or its steps) and answers as declared. */
function handler(name: OpName) {
  const decl: OpDecl = OPS[name];
  const { http } = decl;
  const schema = http.schema ?? decl.args;
  return async (c: Context<AppEnv>): Promise<Response> => {
    const fromPath: Args = {};
    for (const p of pathParams(http.path)) if (p !== "id") fromPath[p] = validParam(c, p, PATH_PARAMS[p] ?? z.string().min(1));
    let input: Args = {};
    if (http.input === "body") input = (await validBody(c, schema, { optional: http.bodyOptional })) as Args;
    if (http.input === "query") input = validQuery(c, schema) as Args;
    const args: Args = { ...input, ...fromPath };
    if (decl.audited) {
      if (typeof input.user_id === "string") noteAudit(c, { user: input.user_id });
      const detail = Object.fromEntries((http.auditDetail ?? []).filter((k) => k in args).map((k) => [k, args[k]]));
      if (Object.keys(detail).length > 0) noteAudit(c, { detail });
    }
    const steps = STEPS[name];
    const result = steps ? await steps(c, args, input) : await runOp(c, c.var.device, name, args as never);
    return result instanceof Response ? result : answer(c, decl, args, result);
  };
}

/** One route per declared op, mounted at the root (paths are absolute). */
export const terminal = new Hono<AppEnv>();
for (const name of ROUTED_OP_NAMES) {
  const { http } = OPS[name];
  terminal.on(http.method, honoPath(http.path), requireRole(http.role), handler(name));
}
