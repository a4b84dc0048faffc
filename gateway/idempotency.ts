// Idempotency-Key middleware: a retry by the same API key gets the first final answer without touching the device.
import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { claim, complete, release, sweep } from "./db/idempotency";
import { sha256Hex } from "./auth/crypto";
import { later } from "./http/later";
import type { AppEnv } from "./http/app-env";
import { readBody } from "./http/body";
import { apiError, validationFailed } from "./http/errors";
import { MUTATING, noteAudit } from "./audit";

export interface IdempotencyOptions {
  header?: string;
  /** Requests the header is ignored on (answers that carry a one-time secret must not be stored in clear). */
  exclude?: (c: Context<AppEnv>) => boolean;
}

// gateway-api.md: 1-255 printable characters.
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/** Claims the key, replays a stored answer, or answers 409 IDEMPOTENCY_CONFLICT; stores 2xx/4xx answers only. */
export function idempotency(opts: IdempotencyOptions = {}): MiddlewareHandler<AppEnv> {
  const header = opts.header ?? "Idempotency-Key";
  return async (c, next) => {
    const idemKey = c.req.header(header);
    const principal = c.get("principal");
    if (idemKey === undefined || !MUTATING.has(c.req.method) || !principal || opts.exclude?.(c)) return next();
    if (!KEY_PATTERN.test(idemKey)) {
      throw validationFailed(c, [{ path: [header], message: "1-255 printable ASCII characters" }]);
    }
    const { text } = await readBody(c);
    const url = new URL(c.req.url);
    const fingerprint = await sha256Hex(`${c.req.method}\n${url.pathname}${url.search}\n${text}`);
    const db = c.env.DB;
    const now = Date.now();
    const got = await claim(db, principal.keyId, idemKey, fingerprint, now);
    later(c, sweep(db, now));
    if (got.kind === "conflict") throw apiError(c, "IDEMPOTENCY_CONFLICT");
    if (got.kind === "replay") {
      noteAudit(c, { replayed: true });
      return c.body(got.body, got.status as ContentfulStatusCode, {
        "Content-Type": "application/json",
        "Idempotent-Replayed": "true",
      });
    }
    let stored = false;
    try {
      await next();
      // Only final answers are kept: after a 5xx (device or agent down) a retry must really retry.
      if (c.res.status < 500) {
        await complete(db, principal.keyId, idemKey, c.res.status, await c.res.clone().text());
        stored = true;
      }
    } finally {
      if (!stored) await release(db, principal.keyId, idemKey).catch(() => {});
    }
  };
}
