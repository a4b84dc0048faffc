// Fault injection for workerd tests: a D1 binding whose statements can fail or wait, and the app run with it.
import { env } from "cloudflare:workers";
import { app } from "../../gateway/app";
import type { Env } from "../../gateway/env";

/** Called for every run/first/all of a statement: `proceed` runs the real one. */
export type StatementHook = (sql: string, method: string, proceed: () => Promise<unknown>) => Promise<unknown>;

/** A D1Database that routes every statement through `hook`; batches and everything else go to the real one. */
export function interceptDb(real: D1Database, hook: StatementHook): D1Database {
  const wrap = (sql: string, stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop, receiver) {
        if (prop === "bind") return (...values: unknown[]) => wrap(sql, target.bind(...values));
        if (prop === "run" || prop === "first" || prop === "all" || prop === "raw") {
          return (...args: unknown[]) =>
            hook(sql, prop, () => (target[prop] as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === "prepare") return (sql: string) => wrap(sql, target.prepare(sql));
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A hook that throws for statements whose SQL matches `pattern`, `times` times (default: always). */
export function failing(pattern: RegExp, times = Infinity): StatementHook & { failures: number } {
  const hook = Object.assign(
    async (sql: string, _method: string, proceed: () => Promise<unknown>) => {
      if (pattern.test(sql) && hook.failures < times) {
        hook.failures += 1;
        throw new Error("D1_ERROR: injected failure");
      }
      return proceed();
    },
    { failures: 0 },
  );
  return hook;
}

/** The app answering `path` with `overrides` on top of the test env (no execution context: waitUntil work runs loose). */
export function requestWith(overrides: Partial<Env>, method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${env.ADMIN_API_KEY}`, ...init.headers };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  return Promise.resolve(app.request(`http://gateway.test${path}`, { method, headers, body }, { ...env, ...overrides }));
}
