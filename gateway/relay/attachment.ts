// Per-connection identity kept in the WebSocket attachment, so it survives the Durable Object hibernating.
import { z } from "zod";
import { HelloFrame } from "../../shared/relay";

const HelloInfo = HelloFrame.shape.agent;
export type HelloInfo = z.infer<typeof HelloInfo>;

export const ConnInfo = z.object({
  /** Random per connection: pending requests are grouped by it, so closing one socket fails only its own. */
  conn: z.string(),
  siteId: z.string(),
  /** Epoch ms the connection was accepted. */
  connectedAt: z.number(),
  /** SHA-256 hex of the agent token this connection presented (absent on connections older than token checks). */
  tokenHash: z.string().optional(),
  /** Epoch ms the agent last sent a frame (liveness; pings answered by auto-response are not counted here). */
  lastSeen: z.number().optional(),
  hello: HelloInfo.optional(),
});
export type ConnInfo = z.infer<typeof ConnInfo>;

// workerd refuses attachments over 2,048 serialized bytes; stay well under with room for UTF-16 host names.
const ATTACHMENT_BUDGET_CHARS = 900;

/** The connection's identity, or undefined for a socket this code did not accept (never trusted blindly). */
export function readConn(ws: WebSocket): ConnInfo | undefined {
  let raw: unknown;
  try {
    raw = ws.deserializeAttachment();
  } catch {
    return undefined;
  }
  const parsed = ConnInfo.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Stores `info` on `ws`. A `hello` may list up to 64 capabilities of 64 characters (shared/relay.ts), more than
 * an attachment holds, so capabilities are trimmed to fit; version and host name always fit.
 */
export function writeConn(ws: WebSocket, info: ConnInfo): void {
  const fitted = fit(info);
  try {
    ws.serializeAttachment(fitted);
  } catch {
    // Last resort (e.g. a multi-byte host name pushed it over): keep the identity, drop the hello.
    ws.serializeAttachment({ conn: info.conn, siteId: info.siteId, connectedAt: info.connectedAt, tokenHash: info.tokenHash, lastSeen: info.lastSeen });
  }
}

function fit(info: ConnInfo): ConnInfo {
  if (info.hello === undefined || JSON.stringify(info).length <= ATTACHMENT_BUDGET_CHARS) return info;
  const capabilities: string[] = [];
  const base: ConnInfo = { ...info, hello: { ...info.hello, capabilities } };
  let size = JSON.stringify(base).length;
  for (const cap of info.hello.capabilities) {
    const cost = JSON.stringify(cap).length + 1;
    if (size + cost > ATTACHMENT_BUDGET_CHARS) break;
    capabilities.push(cap);
    size += cost;
  }
  return base;
}
