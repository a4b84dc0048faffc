// Relay request handling without sockets: op lookup, deadline, args validation, error mapping, the log line.
import { describe, expect, it, vi } from "vitest";
import { CodedError } from "../../shared/errors";
import { MAX_FRAME_BYTES, type RequestFrame } from "../../shared/relay";
import { createLogger } from "../../agent/log";
import { createRequestHandler, serializeResponse, toErrorBody, type Dispatch } from "../../agent/relay/requests";

const NOW = 1_700_000_000_000;
const ID = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f";

function frame(over: Partial<RequestFrame> = {}): RequestFrame {
  return {
    v: 1,
    type: "request",
    id: ID,
    op: "users.delete",
    device: { id: "principal", ip: "127.0.0.1", port: 4370, transport: "tcp", password: 424242, timeout: 5 },
    args: { user_id: "123" },
    deadline: NOW + 10_000,
    ...over,
  };
}

function setup(dispatch: Dispatch) {
  const lines: string[] = [];
  const logger = createLogger({ format: "json", write: (l) => lines.push(l) });
  const handle = createRequestHandler({ dispatch, logger, now: () => NOW });
  return { handle, lines, logs: () => lines.map((l) => JSON.parse(l)) };
}

describe("createRequestHandler", () => {
  it("dispatches a valid request with parsed args and answers ok with the result", async () => {
    const dispatch = vi.fn<Dispatch>(async () => ({ done: true }));
    const { handle, logs } = setup(dispatch);
    const res = await handle(frame());
    expect(res).toEqual({ v: 1, type: "response", id: ID, ok: true, result: { done: true } });
    expect(dispatch).toHaveBeenCalledWith({ id: ID, op: "users.delete", device: frame().device, args: { user_id: "123" }, deadline: NOW + 10_000 });
    expect(logs()).toEqual([
      expect.objectContaining({ msg: "request", id: ID, op: "users.delete", device: "principal", addr: "127.0.0.1:4370", duration_ms: 0, outcome: "ok" }),
    ]);
    expect(JSON.stringify(logs())).not.toContain("424242");
  });

  it("answers AGENT_OUTDATED for an unknown op without dispatching", async () => {
    const dispatch = vi.fn<Dispatch>();
    const { handle, logs } = setup(dispatch);
    const res = await handle(frame({ op: "users.format" }));
    expect(res).toEqual({ v: 1, type: "response", id: ID, ok: false, error: { code: "AGENT_OUTDATED", message: "unknown op 'users.format'" } });
    expect(dispatch).not.toHaveBeenCalled();
    expect(logs()[0]).toMatchObject({ outcome: "error", code: "AGENT_OUTDATED" });
  });

  it("answers a request whose deadline already passed without touching the device", async () => {
    const dispatch = vi.fn<Dispatch>();
    const { handle } = setup(dispatch);
    const res = await handle(frame({ deadline: NOW - 1 }));
    expect(res.ok).toBe(false);
    expect(!res.ok && res.error.code).toBe("RELAY_TIMEOUT");
    expect(dispatch).not.toHaveBeenCalled();
  });

  it("validates args with OPS[op].args → VALIDATION_FAILED with the issues", async () => {
    const dispatch = vi.fn<Dispatch>();
    const { handle } = setup(dispatch);
    const res = await handle(frame({ op: "users.enrollFinger", args: { user_id: "123", finger: 12 } }));
    expect(dispatch).not.toHaveBeenCalled();
    expect(res).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", details: { issues: [expect.objectContaining({ path: "finger" })] } } });
    const strict = await handle(frame({ op: "device.ping", args: { extra: 1 } }));
    expect(strict).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
  });

  it("passes coded device errors through verbatim (the seed's connection message)", async () => {
    const err = Object.assign(new Error("Connection timeout to device 127.0.0.1:4370"), { code: "DEVICE_UNREACHABLE" });
    const { handle } = setup(async () => {
      throw err;
    });
    expect(await handle(frame())).toEqual({
      v: 1,
      type: "response",
      id: ID,
      ok: false,
      error: { code: "DEVICE_UNREACHABLE", message: "Connection timeout to device 127.0.0.1:4370" },
    });
  });

  it("keeps CodedError details (USER_NOT_FOUND carries the user_id)", async () => {
    const { handle } = setup(async () => {
      throw new CodedError("USER_NOT_FOUND", "User '123' not found", { user_id: "123" });
    });
    expect(await handle(frame())).toMatchObject({ ok: false, error: { code: "USER_NOT_FOUND", message: "User '123' not found", details: { user_id: "123" } } });
  });

  it("passes the link's abort signal to dispatch, and answers AGENT_OFFLINE without dispatching once it fired", async () => {
    const dispatch = vi.fn<Dispatch>(async () => ({ done: true }));
    const { handle } = setup(dispatch);
    const link = new AbortController();
    await handle(frame(), link.signal);
    expect(dispatch.mock.calls[0]![0].signal).toBe(link.signal);
    link.abort();
    expect(await handle(frame(), link.signal)).toMatchObject({ ok: false, error: { code: "AGENT_OFFLINE" } });
    expect(dispatch).toHaveBeenCalledTimes(1);
  });

  it("hides unexpected exceptions behind INTERNAL and logs them", async () => {
    const { handle, logs } = setup(async () => {
      throw new TypeError("cannot read properties of undefined (secret internals)");
    });
    const res = await handle(frame());
    expect(res).toMatchObject({ ok: false, error: { code: "INTERNAL", message: "internal agent error" } });
    expect(JSON.stringify(res)).not.toContain("secret internals");
    expect(logs().some((l) => l.level === "error" && l.error?.message?.includes("secret internals"))).toBe(true);
  });
});

describe("toErrorBody / serializeResponse", () => {
  it("maps codes outside the shared table to INTERNAL", () => {
    expect(toErrorBody(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toEqual({ code: "INTERNAL", message: "internal agent error" });
    expect(toErrorBody("a string")).toEqual({ code: "INTERNAL", message: "internal agent error" });
  });

  it("truncates messages to the frame schema's 2000 characters", () => {
    const body = toErrorBody(new CodedError("DEVICE_REJECTED", "x".repeat(5000)));
    expect(body.message).toHaveLength(2000);
  });

  it("replaces a result too large for one relay frame with RESULT_TOO_LARGE", () => {
    const big = { v: 1 as const, type: "response" as const, id: ID, ok: true as const, result: { blob: "a".repeat(MAX_FRAME_BYTES) } };
    const parsed = JSON.parse(serializeResponse(big));
    expect(parsed).toMatchObject({ id: ID, ok: false, error: { code: "RESULT_TOO_LARGE" } });
    const small = { ...big, result: { blob: "a" } };
    expect(JSON.parse(serializeResponse(small))).toEqual(small);
  });

  it("measures the frame limit in UTF-8 bytes, not characters", () => {
    // Half the limit in characters, but 3 bytes each: 1.5 × the limit on the wire.
    const wide = { v: 1 as const, type: "response" as const, id: ID, ok: true as const, result: { name: "€".repeat(MAX_FRAME_BYTES / 2) } };
    const parsed = JSON.parse(serializeResponse(wide));
    expect(parsed).toMatchObject({ id: ID, ok: false, error: { code: "RESULT_TOO_LARGE" } });
    expect(parsed.error.message).toContain(String(Buffer.byteLength(JSON.stringify(wide))));
  });
});
