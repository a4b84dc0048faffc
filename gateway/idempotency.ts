// Idempotency-Key middleware: a retry by the same API key gets the first final answer without touching the device.
import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { hasFlag } from "../shared/errors";
import { claim, complete, release, sweep } from "./db/idempotency";
import { sha256Hex } from "./auth/crypto";
import { later } from "./http/later";
import type { AppEnv } from "./http/app-env";
import { readBody } from "./http/body";
import { apiError, validationFailed } from "./http/errors";
import { MUTATING, noteAudit } from "./audit";

export interface IdempotencyOptions {
  /** Requests the header is ignored on (answers that carry a one-time secret must not be stored in clear). */
  exclude?: (c: Context<AppEnv>) => boolean;
}

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
// docs/http-api.md §10: 1-255 printable characters.
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/**
 * Marks this request's answer as not final although it is not a 5xx (e.g. offboarding where some device was
 * unreachable): it is not stored, so a retry with the same Idempotency-Key really retries.
 */
export function keepOutOfReplay(c: Context<AppEnv>): void {
  c.set("noReplay", true);
}

/** Claims the key, replays a stored answer, or answers 409 IDEMPOTENCY_CONFLICT; stores final 2xx/4xx answers only. */
export function idempotency(opts: IdempotencyOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const idemKey = c.req.header(IDEMPOTENCY_HEADER);
    const principal = c.get("principal");
    if (idemKey === undefined || !MUTATING.has(c.req.method) || !principal || opts.exclude?.(c)) return next();
    if (!KEY_PATTERN.test(idemKey)) {
      throw validationFailed([{ path: [IDEMPOTENCY_HEADER], message: "1-255 printable ASCII characters" }]);
    }
    const { text } = await readBody(c);
    const url = new URL(c.req.url);
    const fingerprint = await sha256Hex(`${c.req.method}\n${url.pathname}${url.search}\n${text}`);
    const db = c.env.DB;
    const now = Date.now();
    const got = await claim(db, principal.keyId, idemKey, fingerprint, now);
    later(c, sweep(db, now));
    if (got.kind === "conflict") throw apiError("IDEMPOTENCY_CONFLICT");
    // A route whose change may complete after its answer (a durable delete) records the real answer under it.
    if (got.kind === "claimed") c.set("idem", { keyId: principal.keyId, idemKey, fingerprint });
    if (got.kind === "replay") {
      noteAudit(c, { replayed: true });
      const headers: Record<string, string> = { "Content-Type": "application/json", "Idempotent-Replayed": "true" };
      // The stored body is in the first caller's language; the header must say so, whatever this retry asked for.
      if (got.contentLanguage) headers["Content-Language"] = got.contentLanguage;
      return c.body(got.body, got.status as ContentfulStatusCode, headers);
    }
    // Whether the claim stays: true once the answer is stored, or when storing it failed after a completed change.
    let keep = false;
    try {
      await next();
      // Only final answers are kept: after a 5xx (device or agent down), or an error the contract calls retryable
      // (a restore already running), a retry must really retry.
      const body = c.res.status < 500 && !c.get("noReplay") ? await c.res.clone().text() : undefined;
      if (body !== undefined && !retryableAnswer(c.res.status, body)) {
        keep = true;
        const answer = { status: c.res.status, body, contentLanguage: c.res.headers.get("Content-Language") };
        await complete(db, principal.keyId, idemKey, answer).catch((e: unknown) => {
          // The change is done; a bookkeeping failure must not turn it into a 500. The claim stays pending, so a
          // retry gets 409 until it goes stale (STALE_PENDING_MS) rather than repeating the change at once.
          console.error(`[${c.get("requestId") ?? "-"}] idempotency: could not store the answer: ${(e as Error).message}`);
        });
      }
    } finally {
      if (!keep) await release(db, principal.keyId, idemKey).catch(() => {});
    }
  };
}

/** True for an error answer whose code the error contract calls retryable (shared/errors.ts). */
function retryableAnswer(status: number, body: string): boolean {
  if (status < 400) return false;
  try {
    return hasFlag(JSON.parse(body), "retryable");
  } catch {
    return false;
  }
}
