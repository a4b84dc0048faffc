// Language middleware: Spanish by default as in the seed, English when Accept-Language prefers it.
import type { Context, MiddlewareHandler } from "hono";
import { pickLang, type Lang } from "../../shared/messages";
import type { AppEnv } from "./app-env";

/** Sets `c.var.lang` and a matching Content-Language header. */
export function language(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const lang = pickLang(c.req.header("accept-language"));
    c.set("lang", lang);
    c.header("Content-Language", lang);
    await next();
  };
}

/** The request's language, also before the middleware ran (errors raised very early). */
export function langOf(c: Context<AppEnv>): Lang {
  return c.get("lang") ?? pickLang(c.req.header("accept-language"));
}
