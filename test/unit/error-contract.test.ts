// The error contract (shared/errors.ts): every code has its messages, agents' codes map as declared, the README agrees.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { coded, CodedError, ERROR_CODES, ERRORS, errorSpec, fromWire, hasFlag, localize } from "../../shared/errors";
import { hasMessage, message } from "../../shared/messages";

describe("every code", () => {
  it("has an HTTP status of 4xx/5xx and message keys that exist, in Spanish and English", () => {
    for (const code of ERROR_CODES) {
      const spec = errorSpec(code);
      // One code is a partial outcome, not a failure: 207 with the per-device results in `data` (docs/people.md §2).
      if (code === "OFFBOARDING_INCOMPLETE") expect(spec.status).toBe(207);
      else expect(spec.status, code).toBeGreaterThanOrEqual(400);
      expect(spec.status, code).toBeLessThan(600);
      expect(spec.messages[0], code).toBe(code);
      for (const key of spec.messages) {
        expect(hasMessage(key), `${code}: ${key}`).toBe(true);
        expect(message("es", key, { detail: "x" }), `${code}: ${key}`).not.toBe("");
        expect(message("en", key, { detail: "x" }), `${code}: ${key}`).not.toBe("");
      }
    }
  });

  it("is in the README's table with its status (one list: the README follows the contract)", () => {
    const readme = readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8");
    const table = readme.slice(readme.indexOf("### Error codes"), readme.indexOf("## Deploying the gateway"));
    for (const code of ERROR_CODES) {
      const row = table.split("\n").find((line) => line.startsWith("|") && line.split("|")[1]!.includes(`\`${code}\``));
      expect(row, code).toBeDefined();
      expect(row!.split("|")[2]!.trim().startsWith(String(ERRORS[code].status)), `${code}: ${row}`).toBe(true);
    }
  });
});

describe("what an agent may answer (fromWire)", () => {
  it("an unreachable terminal keeps the seed's text; other codes take the gateway's own message", () => {
    const { err } = fromWire({ code: "DEVICE_UNREACHABLE", message: "Connection timeout to device 127.0.0.1:4370" });
    expect([err.code, err.status, localize(err, "es")]).toEqual(["DEVICE_UNREACHABLE", 500, "Connection timeout to device 127.0.0.1:4370"]);
    const busy = fromWire({ code: "DEVICE_BUSY", message: "queue full" }).err;
    expect(localize(busy, "es")).toBe("El dispositivo está ocupado; intente de nuevo.");
    const notFound = fromWire({ code: "USER_NOT_FOUND", message: "User '9' not found" }).err.withParams({ user_id: "9" });
    expect(localize(notFound, "es")).toBe("Usuario '9' no encontrado.");
  });

  it("an older agent's BAD_REQUEST is AGENT_OUTDATED, its PAYLOAD_TOO_LARGE RESULT_TOO_LARGE (502, not 500)", () => {
    expect(fromWire({ code: "BAD_REQUEST", message: "unknown op 'door.unlock'" }).err).toMatchObject({ code: "AGENT_OUTDATED", status: 502 });
    expect(fromWire({ code: "PAYLOAD_TOO_LARGE", message: "9 MB" }).err).toMatchObject({ code: "RESULT_TOO_LARGE", status: 502 });
  });

  it("gateway-only and unknown codes become INTERNAL, naming what the agent said", () => {
    for (const code of ["UNAUTHORIZED", "DEVICE_NOT_FOUND", "NO_SUCH_CODE"]) {
      const { err, refused } = fromWire({ code, message: "x" });
      expect([err.code, refused, err.details?.agent_code]).toEqual(["INTERNAL", code, code]);
      expect(localize(err, "en")).toBe("Internal error.");
    }
  });
});

describe("errors are localized once, at the edge", () => {
  it("a CodedError carries code, params and key; its text is made per language when asked", () => {
    const err = coded("DEVICE_NOT_FOUND", { device_id: "bodega" }, { disponibles: ["principal"] });
    expect(err).toBeInstanceOf(CodedError);
    expect(err.message).toBe("Device 'bodega' not found.");
    expect([localize(err, "es"), localize(err, "en")]).toEqual(["Dispositivo 'bodega' no encontrado.", "Device 'bodega' not found."]);
  });

  it("a message whose params are missing falls back to the raiser's own words, never 'undefined'", () => {
    const err = new CodedError("USER_NOT_FOUND", "User '7' not found");
    expect(localize(err, "es")).toBe("User '7' not found");
  });

  it("flags replace the hand-made lists: unreachable, sessionSafe, nothingChanged", () => {
    const unreachable = ERROR_CODES.filter((c) => hasFlag({ code: c }, "unreachable"));
    expect(unreachable).toEqual(["DEVICE_UNREACHABLE", "DEVICE_TIMEOUT", "DEVICE_DISCONNECTED"]);
    const unchanged = ERROR_CODES.filter((c) => hasFlag({ code: c }, "nothingChanged"));
    expect(unchanged).toEqual(["VALIDATION_FAILED", "RESTORE_CONFLICT", "DEVICE_REJECTED", "DEVICE_FULL", "USER_ID_CONFLICT", "ATTENDANCE_COUNT_MISMATCH"]);
    expect(hasFlag({ code: "DEVICE_TIMEOUT" }, "sessionSafe")).toBe(false);
    expect(hasFlag({ code: "USER_EXISTS" }, "sessionSafe")).toBe(true);
    expect(hasFlag({ code: "NOPE" }, "retryable")).toBe(false);
  });
});
