// Small pieces SiteRelay needs around its sockets: outgoing frames, safe closes, and its RPC failure shape.
import { CodedError } from "../../shared/errors";
import { message, pickLang } from "../../shared/messages";
import type { RelayOutcome } from "./contract";

/** RELAY_TIMEOUT naming the device (English: callAgent's caller localizes it). */
export function relayTimeout(deviceId: string): CodedError {
  return new CodedError("RELAY_TIMEOUT", message("en", "RELAY_TIMEOUT", { device_id: deviceId }));
}

/** A thrown value as a relay() answer; relay() returns failures because a CodedError thrown across RPC loses its code. */
export function failure(e: unknown): RelayOutcome {
  if (e instanceof CodedError) {
    return { ok: false, error: e.details ? { code: e.code, message: e.message, details: e.details } : { code: e.code, message: e.message } };
  }
  console.error(`[site-relay] unexpected ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  return { ok: false, error: { code: "INTERNAL", message: "Relay failed" } };
}

/** The 401 an upgrade gets when its token is not the site's current one: the envelope connect.ts answers too. */
export function unauthorizedUpgrade(request: Request): Response {
  const lang = pickLang(request.headers.get("Accept-Language"));
  return Response.json({ success: false, error: message(lang, "AGENT_UNAUTHORIZED"), code: "UNAUTHORIZED" }, {
    status: 401,
    headers: { "WWW-Authenticate": 'Bearer realm="zk-relay-agent"' },
  });
}

export function send(ws: WebSocket, frame: object): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // The socket is closing; webSocketClose will do the bookkeeping.
  }
}

/** Close reasons are limited to 123 UTF-8 bytes; closing a closed socket throws in some states. */
export function safeClose(ws: WebSocket, code: number, reason: string): void {
  let text = reason;
  while (new TextEncoder().encode(text).length > 123) text = text.slice(0, -1);
  try {
    ws.close(code, text);
  } catch {
    // Already closed.
  }
}
