// Agent log lines: one JSON object per line, pretty on a TTY, and never a token or a comm key.
import { describe, expect, it } from "vitest";
import { createLogger, defaultLogFormat, redact } from "../../agent/log";

function capture(format: "json" | "pretty", secrets: string[] = []) {
  const lines: string[] = [];
  const logger = createLogger({ format, write: (l) => lines.push(l), secrets, now: () => new Date("2024-03-15T08:00:00.000Z") });
  return { logger, lines };
}

describe("createLogger", () => {
  it("writes one JSON object per line with time, level, msg and the fields", () => {
    const { logger, lines } = capture("json");
    logger.info("request", { id: "r1", op: "users.delete", device: "principal", addr: "127.0.0.1:4370", duration_ms: 12, outcome: "ok" });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: "2024-03-15T08:00:00.000Z",
      level: "info",
      msg: "request",
      id: "r1",
      op: "users.delete",
      device: "principal",
      addr: "127.0.0.1:4370",
      duration_ms: 12,
      outcome: "ok",
    });
  });

  it("pretty format is one human line", () => {
    const { logger, lines } = capture("pretty");
    logger.warn("gateway link down; reconnecting", { retry_in_ms: 1000, reason: "going away", error: undefined });
    expect(lines).toEqual(['08:00:00.000 WARN  gateway link down; reconnecting retry_in_ms=1000 reason="going away"\n']);
  });

  it("drops debug lines unless asked", () => {
    const { logger, lines } = capture("json");
    logger.debug("noise");
    expect(lines).toHaveLength(0);
  });

  it("never writes the site token or a comm key, whatever field or message carries them", () => {
    const token = "zkr_site_s3cr3t-token-value";
    const { logger, lines } = capture("json", [token]);
    logger.addSecret(987654);
    const device = { id: "principal", ip: "127.0.0.1", port: 4370, transport: "tcp", password: 987654, timeout: 5 };
    logger.info(`dialling with Bearer ${token}`, {
      device,
      headers: { Authorization: `Bearer ${token}` },
      token,
      comm_key: 987654,
      commKey: 987654,
      nested: { deeper: [{ note: `key is 987654, token ${token}` }] },
      error: new Error(`handshake failed for ${token}`),
    });
    logger.error("request", { device: "principal", addr: "127.0.0.1:4370", code: "DEVICE_AUTH_FAILED" });
    const out = lines.join("");
    expect(out).not.toContain(token);
    expect(out).not.toContain("987654");
    expect(out).toContain("[redacted]");
    // What is not secret survives.
    const first = JSON.parse(lines[0]!);
    expect(first.device).toMatchObject({ id: "principal", ip: "127.0.0.1", port: 4370, password: "[redacted]" });
    expect(first.error).toEqual({ name: "Error", message: "handshake failed for [redacted]" });
  });

  it("does not register short secrets that would blank unrelated text", () => {
    const { logger, lines } = capture("json", ["0"]);
    logger.info("request", { duration_ms: 10 });
    expect(JSON.parse(lines[0]!).duration_ms).toBe(10);
  });
});

describe("redact / defaultLogFormat", () => {
  it("redacts secret-named keys at any depth", () => {
    expect(redact({ a: { password: "1234", b: [{ api_key: "k" }] } })).toEqual({ a: { password: "[redacted]", b: [{ api_key: "[redacted]" }] } });
  });
  it("picks pretty for a TTY and json otherwise", () => {
    expect(defaultLogFormat({ isTTY: true })).toBe("pretty");
    expect(defaultLogFormat({ isTTY: false })).toBe("json");
    expect(defaultLogFormat({})).toBe("json");
  });
});
