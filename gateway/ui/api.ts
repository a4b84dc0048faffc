// The console's way to the API: the JSON routes called in-process as the signed-in key (docs/console.md §3).
import type { Context } from "hono";
import { asPrincipal } from "../auth/in-process";
import type { Env } from "../env";
import type { AppEnv } from "../http/app-env";
import type { ConsoleSession } from "./session";

/** The gateway app's fetch (app.ts passes it in, so this module does not import the app it is mounted in). */
export type ApiFetch = (req: Request, env: Env, ctx?: ExecutionContext) => Response | Promise<Response>;

/** An API answer as the pages use it: the status and the seed's envelope. */
export interface ApiAnswer<T = unknown> {
  status: number;
  ok: boolean;
  data: T;
  /** Failure text, already in the page's language (the API localises by Accept-Language). */
  error?: string;
  code?: string;
  body: Record<string, unknown>;
}

/** Query parameters: undefined and empty values are left out. */
export type Query = Record<string, string | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") qs.set(k, v);
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * Calls `method path` through the whole app — auth, role and site checks, audit, validation — as the session's
 * principal; the console never reaches a repository or an agent by any other road.
 */
export async function callApi<T = unknown>(
  c: Context<AppEnv>,
  api: ApiFetch,
  session: ConsoleSession,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { "accept-language": c.get("lang") ?? "es" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const req = asPrincipal(
    new Request(new URL(path, c.req.url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    session.principal,
  );
  let ctx: ExecutionContext | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = undefined; // app.request() in tests has none
  }
  const res = await api(req, c.env, ctx);
  let parsed: Record<string, unknown> = {};
  try {
    parsed = (await res.json()) as Record<string, unknown>;
  } catch {
    parsed = {};
  }
  const ok = res.ok && parsed.success === true;
  return {
    status: res.status,
    ok,
    data: parsed.data as T,
    error: ok ? undefined : String(parsed.error ?? res.statusText),
    code: typeof parsed.code === "string" ? parsed.code : undefined,
    body: parsed,
  };
}
