// Turns one relay `request` frame into its `response` frame: op lookup, deadline, args validation, dispatch, logging.
import { isErrorCode, CodedError, type ErrorCode } from "../../shared/errors";
import { isDurableResult, isOpName, OPS, type OpName } from "../../shared/ops";
import { MAX_ERROR_MESSAGE, MAX_FRAME_BYTES, MAX_RESULT_BYTES, RELAY_VERSION, splitIntoParts, type RequestFrame, type ResponseFrame } from "../../shared/relay";
import type { DeviceTarget } from "../../shared/device";
import type { Logger } from "../log";

/** What the relay hands to the operations layer: a known op with validated args. Injected, so relay never imports zk. */
export interface DispatchRequest {
  id: string;
  op: OpName;
  device: DeviceTarget;
  args: unknown;
  /** Epoch ms after which the gateway stops waiting (docs/relay.md §4). */
  deadline: number;
  /** Aborted when the link that carried the request closed: nobody will read the answer. */
  signal?: AbortSignal;
  /** Durable-result ops: records the result-if-committed in the outbox before the commit point. */
  writeAhead?: (ifCommitted: unknown) => Promise<void>;
  /** Asks the gateway to wait until `deadline` (agent clock): a bulk read found a large table (docs/relay.md §4). */
  extendDeadline?: (deadline: number) => void;
}
export type Dispatch = (req: DispatchRequest) => Promise<unknown>;

export interface RequestHandlerOptions {
  dispatch: Dispatch;
  logger: Logger;
  now?: () => number;
  /** Where durable-result ops write ahead (agent/state/outbox.ts); absent: no durability. */
  outbox?: { writeAhead(req: { id: string; op: string; device: DeviceTarget; args: unknown }, ifCommitted: unknown): Promise<void> };
}

type ErrorBody = { code: ErrorCode; message: string; details?: Record<string, unknown> };

const MAX_MESSAGE = MAX_ERROR_MESSAGE;

/** Maps anything thrown to the frame's error body: stable codes and device messages pass through verbatim. */
export function toErrorBody(err: unknown): ErrorBody {
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && isErrorCode(code)) {
    const details = (err as { details?: unknown }).details;
    const body: ErrorBody = { code, message: err.message.slice(0, MAX_MESSAGE) };
    if (details && typeof details === "object" && !Array.isArray(details)) body.details = details as Record<string, unknown>;
    return body;
  }
  // Unknown failures are bugs: the gateway gets a generic message, the log gets the detail.
  return { code: "INTERNAL", message: "internal agent error" };
}

function fail(id: string, body: ErrorBody): ResponseFrame {
  return { v: RELAY_VERSION, type: "response", id, ok: false, error: body };
}

/** Answers one request frame; `signal` is aborted when the link that carried it closes. */
export type RequestHandler = (frame: RequestFrame, signal?: AbortSignal, extend?: (deadline: number) => void) => Promise<ResponseFrame>;

/** Builds the per-frame handler; it never throws and always yields exactly one response. */
export function createRequestHandler(opts: RequestHandlerOptions): RequestHandler {
  const now = opts.now ?? Date.now;
  // Durations from the monotonic clock to a hundredth of a millisecond (the benchmark subtracts them from relayed
  // times of a few ms); an injected clock (tests) is used as given.
  const clock = opts.now ?? (() => performance.now());
  return async (frame, signal, extend) => {
    const started = now();
    const startedAt = clock();
    const response = await answer(frame, started, signal, extend);
    const entry: Record<string, unknown> = {
      id: frame.id,
      op: frame.op,
      device: frame.device.id,
      addr: `${frame.device.ip}:${frame.device.port}`,
      duration_ms: Math.round((clock() - startedAt) * 100) / 100,
      outcome: response.ok ? "ok" : "error",
    };
    if (!response.ok) entry.code = response.error.code;
    if (!response.ok && response.error.code === "INTERNAL") opts.logger.error("request", entry);
    else opts.logger.info("request", entry);
    return response;
  };

  async function answer(frame: RequestFrame, started: number, signal: AbortSignal | undefined, extend?: (deadline: number) => void): Promise<ResponseFrame> {
    // A gateway newer than this agent: the error contract's AGENT_OUTDATED (agents before it said BAD_REQUEST).
    if (!isOpName(frame.op)) return fail(frame.id, { code: "AGENT_OUTDATED", message: `unknown op '${frame.op.slice(0, 64)}'` });
    // docs/architecture.md §4: a request the gateway has given up on must never touch the terminal.
    if (frame.deadline <= started) {
      return fail(frame.id, { code: "RELAY_TIMEOUT", message: "request deadline passed before the agent could start it" });
    }
    const parsed = OPS[frame.op].args.safeParse(frame.args);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
      const detail = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
      return fail(frame.id, { code: "VALIDATION_FAILED", message: detail.slice(0, MAX_MESSAGE), details: { issues } });
    }
    if (signal?.aborted) return fail(frame.id, { code: "AGENT_OFFLINE", message: "the gateway link closed before the request started" });
    try {
      const req: DispatchRequest = { id: frame.id, op: frame.op, device: frame.device, args: parsed.data, deadline: frame.deadline };
      if (signal) req.signal = signal;
      if (extend) req.extendDeadline = extend;
      const outbox = opts.outbox;
      if (outbox && isDurableResult(frame.op)) req.writeAhead = (ifCommitted) => outbox.writeAhead(req, ifCommitted);
      const result = await opts.dispatch(req);
      return { v: RELAY_VERSION, type: "response", id: frame.id, ok: true, result };
    } catch (err) {
      const body = toErrorBody(err);
      if (body.code === "INTERNAL") opts.logger.error("operation failed unexpectedly", { id: frame.id, op: frame.op, error: err });
      return fail(frame.id, body);
    }
  }
}

/**
 * JSON text of a response, or of a PAYLOAD_TOO_LARGE error when the result would exceed the gateway's frame limit
 * (a limit in bytes: names in other scripts take 2-3 UTF-8 bytes per character). Throws when the result cannot
 * be serialised at all (see internalErrorText).
 */
export function serializeResponse(frame: ResponseFrame): string {
  const text = JSON.stringify(frame);
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes <= MAX_FRAME_BYTES) return text;
  const err = new CodedError("RESULT_TOO_LARGE", `result of ${bytes} bytes exceeds the relay frame limit of ${MAX_FRAME_BYTES}`);
  return JSON.stringify(fail(frame.id, toErrorBody(err)));
}

/**
 * The frames that carry `frame`: itself when it fits one frame; `part` frames when its JSON text is larger, up to
 * MAX_RESULT_BYTES (docs/relay.md §2); beyond that the RESULT_TOO_LARGE answer.
 */
export function responseTexts(frame: ResponseFrame): string[] {
  const text = JSON.stringify(frame);
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes <= MAX_FRAME_BYTES) return [text];
  if (bytes <= MAX_RESULT_BYTES) return splitIntoParts(frame.id, text).map((p) => JSON.stringify(p));
  return [serializeResponse(frame)];
}

/** The INTERNAL response for `id`, for when the real one could not be serialised or sent. */
export function internalErrorText(id: string): string {
  return JSON.stringify(fail(id, { code: "INTERNAL", message: "internal agent error" }));
}
