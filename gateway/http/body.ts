// Request input: JSON bodies (64 KiB cap, JSON only), and zod validation of bodies, queries and path params.
import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "./app-env";
import { apiError, validationFailed } from "./errors";

/** docs/http-api.md §4: bodies are JSON, at most 64 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;
/**
 * How much of an oversized body is read and thrown away before answering 413. A body the gateway started to
 * read and then cancelled makes local `wrangler dev` drop the keep-alive connection (the client's next request
 * fails) and can take the dev server down; a body never touched is fine. So: read an oversized body to its end
 * up to this cap; past it, stop without cancelling and answer `Connection: close`.
 */
export const DISCARD_CAP_BYTES = 1024 * 1024;
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

export interface BodyRead {
  /** The raw text ("" when there is no body); idempotency fingerprints hash it. */
  readonly text: string;
  /** Parsed JSON, or undefined when there is no body. */
  readonly json: unknown;
}

// One read per request: idempotency and the route both ask for the body.
const reads = new WeakMap<Request, Promise<BodyRead>>();

/** Reads and parses the body once; 413, 415 and 400 BAD_REQUEST are raised here. */
export function readBody(c: Context<AppEnv>): Promise<BodyRead> {
  let read = reads.get(c.req.raw);
  if (!read) {
    read = readOnce(c);
    reads.set(c.req.raw, read);
  }
  return read;
}

async function readOnce(c: Context<AppEnv>): Promise<BodyRead> {
  const text = await readCapped(c);
  if (text.length === 0) return { text, json: undefined };
  if (!JSON_TYPE.test(c.req.header("content-type") ?? "")) throw apiError("UNSUPPORTED_MEDIA_TYPE");
  try {
    return { text, json: JSON.parse(text) };
  } catch {
    // Never the parser's message: V8 quotes the start of the body, which may hold a comm key.
    throw apiError("BAD_REQUEST", { detail: "body is not valid JSON" });
  }
}

async function readCapped(c: Context<AppEnv>): Promise<string> {
  const stream = c.req.raw.body;
  const declared = Number(c.req.header("content-length") ?? "0");
  if (!stream) return "";
  if (declared > DISCARD_CAP_BYTES) {
    // Too big to be worth reading: leave it untouched (never cancel it) and let the connection go.
    c.header("Connection", "close");
    throw apiError("PAYLOAD_TOO_LARGE");
  }
  const reader = stream.getReader();
  if (declared > MAX_BODY_BYTES) return tooLarge(c, reader, 0);
  // Content-Length may be absent (chunked) or lie: count what actually arrives.
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) return tooLarge(c, reader, size);
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw apiError("BAD_REQUEST", { detail: "body is not UTF-8" });
  }
}

/** Reads and drops the rest of an oversized body (up to DISCARD_CAP_BYTES, never cancelling it), then raises 413. */
async function tooLarge(c: Context<AppEnv>, reader: ReadableStreamDefaultReader<Uint8Array>, seen: number): Promise<never> {
  let size = seen;
  let drained = false;
  try {
    while (size <= DISCARD_CAP_BYTES) {
      const { done, value } = await reader.read();
      if (done) {
        drained = true;
        break;
      }
      size += value.byteLength;
    }
  } catch {
    // The client went away mid-body: nothing left to keep alive.
  }
  if (!drained) {
    try {
      reader.releaseLock();
    } catch {
      // A read still pending (the client stalled): the lock goes with the request.
    }
    c.header("Connection", "close");
  }
  throw apiError("PAYLOAD_TOO_LARGE");
}

/** The JSON body validated by `schema`; with `optional`, a missing body validates as `{}`. */
export async function validBody<S extends z.ZodType>(
  c: Context<AppEnv>,
  schema: S,
  opts: { optional?: boolean } = {},
): Promise<z.output<S>> {
  const { json } = await readBody(c);
  return check(c, schema, json === undefined && opts.optional ? {} : json);
}

/**
 * The query string validated by `schema`: single values only (a parameter given twice, e.g.
 * `?devices=a&devices=b`, is refused rather than silently reduced to its first value); empty ones count as absent.
 */
export function validQuery<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.output<S> {
  const all = c.req.queries();
  const repeated = Object.keys(all).filter((k) => all[k].length > 1);
  if (repeated.length > 0) throw validationFailed(repeated.map((k) => ({ path: [k], message: "given more than once" })));
  const query = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ""));
  return check(c, schema, query);
}

/** One path parameter validated by `schema`; the issue path names the parameter. */
export function validParam<S extends z.ZodType>(c: Context<AppEnv>, name: string, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.param(name));
  if (!parsed.success) throw validationFailed(parsed.error.issues.map((i) => ({ ...i, path: [name, ...i.path] })));
  return parsed.data;
}

function check<S extends z.ZodType>(c: Context<AppEnv>, schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationFailed(parsed.error.issues);
  return parsed.data;
}
