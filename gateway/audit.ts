// Audit middleware: every authenticated POST/PUT/DELETE that reached a route leaves a row (or one per device).
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { normalizeId } from "../shared/device";
import { AUDIT_RETENTION_DAYS, insertAudit, sweepAudit, type AuditEntry } from "./db/audit";
import { later } from "./http/later";
import type { AppEnv } from "./http/app-env";
import { operationOf } from "./operations";

/** The methods that change something (the API has no PATCH route). */
export const MUTATING = new Set(["POST", "PUT", "DELETE"]);

/** One device's part of a fan-out call (offboarding records each deletion like a single delete). */
export interface AuditPart {
  action?: string;
  site?: string | null;
  device: string;
  user?: string | null;
  status: number;
  result: string;
  before?: unknown;
  detail?: unknown;
  /** Relay request id of this device's change (a result arriving late completes the row). */
  relay?: string;
}

/** What a route adds to its audit row; everything else is taken from the request and the answer. */
export interface AuditNote {
  site?: string | null;
  device?: string | null;
  user?: string | null;
  /** The state before the change, e.g. the deleted user (never a password or comm key). */
  before?: unknown;
  detail?: unknown;
  parts?: AuditPart[];
  /** An idempotent replay: the first call was recorded, nothing happened now. */
  replayed?: boolean;
  /** Relay request id of the change (see AuditPart.relay). */
  relay?: string;
}

/** Merges `note` into the request's audit note. */
export function noteAudit(c: Context<AppEnv>, note: AuditNote): void {
  c.set("audit", { ...c.get("audit"), ...note });
}

/** Writes the audit row(s) after the answer is known, before it is sent (a failed write is logged, not fatal). */
export function audit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const principal = c.get("principal");
    if (!MUTATING.has(c.req.method) || !principal) return;
    // Only calls that matched a route: unknown paths and wrong methods are not operations.
    const route = [...matchedRoutes(c)].reverse().find((r) => r.method === c.req.method);
    const note = c.get("audit") ?? {};
    if (!route || note.replayed) return;
    const operation = operationOf(c.req.method, route.path);
    // An operation declared not audited (shared/ops.ts `audited: false`) leaves no row.
    if (operation?.audited === false) return;
    const action = operation?.id ?? `${c.req.method} ${route.path}`;
    const params = routeParams(route.path, c.req.path);
    const device = c.get("device");
    const base = {
      at: new Date().toISOString(),
      key_id: principal.keyId,
      method: c.req.method,
      path: c.req.path,
    };
    const entries: AuditEntry[] = note.parts?.length
      ? note.parts.map((p) => ({
          ...base,
          action: p.action ?? action,
          site_id: p.site ?? null,
          device_id: p.device,
          user_id: p.user ?? params.user_id ?? null,
          status: p.status,
          result: p.result,
          before_state: json(p.before),
          detail: json(p.detail),
          relay_id: p.relay ?? null,
        }))
      : [
          {
            ...base,
            action,
            site_id: note.site !== undefined ? note.site : (device?.site_id ?? null),
            device_id: note.device !== undefined ? note.device : (device?.id ?? pathDevice(route.path, params)),
            user_id: note.user !== undefined ? note.user : (params.user_id ?? null),
            status: c.res.status,
            result: await resultOf(c.res),
            before_state: json(note.before),
            detail: json(note.detail),
            relay_id: note.relay ?? null,
          },
        ];
    try {
      await insertAudit(c.env.DB, entries);
    } catch (e) {
      console.error(`[${c.get("requestId") ?? "-"}] audit write failed: ${(e as Error).message}`);
    }
    // Retention: a bounded sweep after the answer, triggered by the writes that grow the table.
    later(c, sweepAudit(c.env.DB, Date.now(), retentionDays(c.env.AUDIT_RETENTION_DAYS)).then(() => undefined));
  };
}

/** AUDIT_RETENTION_DAYS as a positive number of days, else the default (400). */
export function retentionDays(raw: string | undefined): number {
  const n = Number(raw);
  return raw !== undefined && Number.isFinite(n) && n > 0 ? n : AUDIT_RETENTION_DAYS;
}

/** `ok` for 1xx-3xx, else the envelope's error code. */
async function resultOf(res: Response): Promise<string> {
  if (res.status < 400) return "ok";
  try {
    const body = (await res.clone().json()) as { code?: unknown };
    if (typeof body.code === "string") return body.code;
  } catch {
    // Not our envelope; fall through to the bare status.
  }
  return `HTTP_${res.status}`;
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Path parameters of `pattern` (`/devices/:id/users/:user_id`) in `path`, URL-decoded. */
export function routeParams(pattern: string, path: string): Record<string, string> {
  const keys = pattern.split("/");
  const values = path.split("/");
  const out: Record<string, string> = {};
  keys.forEach((k, i) => {
    if (!k.startsWith(":") || values[i] === undefined) return;
    try {
      out[k.slice(1)] = decodeURIComponent(values[i]);
    } catch {
      out[k.slice(1)] = values[i];
    }
  });
  return out;
}

/** The device id of a /devices/:id… route whose device never loaded (bad or unknown id). */
function pathDevice(pattern: string, params: Record<string, string>): string | null {
  return pattern.startsWith("/devices/:id") && params.id !== undefined ? normalizeId(params.id).slice(0, 64) : null;
}
