// A replaced agent's last errand: deliver the durable answers its outbox holds on a connection that replaces nobody.
import WebSocket from "ws";
import { MAX_FRAME_BYTES, parseFrame } from "../../shared/relay";
import type { Logger } from "../log";
import type { LinkOutbox } from "./link";
import { serializeResponse } from "./requests";

/** Header the gateway's SiteRelay reads: this connection only delivers (gateway/relay/contract.ts COURIER_HEADER). */
export const COURIER_HEADER = "X-Relay-Courier";

/**
 * Opens a courier connection, sends every unacknowledged outbox answer, and closes once all are acked or after
 * `timeoutMs`. Resolves with how many are still unacknowledged (they stay in the outbox for the next link).
 */
export function deliverByCourier(url: string, token: string, outbox: LinkOutbox, logger: Logger, timeoutMs = 15_000): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, {
      headers: { Authorization: `Bearer ${token}`, [COURIER_HEADER]: "1" },
      handshakeTimeout: 10_000,
      maxPayload: MAX_FRAME_BYTES + 1024,
      perMessageDeflate: false,
    });
    const finish = () => {
      clearTimeout(timer);
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, "delivered");
      else ws.terminate();
      resolve(outbox.unacked().length);
    };
    const timer = setTimeout(finish, timeoutMs);
    ws.on("open", () => {
      for (const frame of outbox.unacked()) ws.send(serializeResponse(frame));
    });
    ws.on("message", (data) => {
      const parsed = parseFrame(data.toString());
      if (!parsed.ok || parsed.frame.type !== "ack") return;
      void outbox.ack(parsed.frame.id).then(() => {
        if (outbox.unacked().length === 0) finish();
      });
    });
    ws.on("error", (err) => logger.warn("courier connection failed", { error: err.message }));
    ws.on("close", () => {
      clearTimeout(timer);
      resolve(outbox.unacked().length);
    });
  });
}
