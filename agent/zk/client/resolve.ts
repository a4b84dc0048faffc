// Host name → address before any socket opens, so a DNS failure is reported as one (not as silence or a crash).
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { ZkUnreachableError } from "../errors";

/** How a host name is turned into an address; injectable so tests can make DNS fail, hang or answer. */
export type HostLookup = (host: string) => Promise<{ address: string; family: number }>;

const systemLookup: HostLookup = (host) => lookup(host);

/**
 * The address to dial for `host`. Resolved here rather than by the socket: dgram's own lookup path reports a
 * failed lookup as "Port should be > 0 and < 65536. Received function" on Node 20, and resolving once lets
 * transport "auto" try TCP and UDP on the same address. A lookup that fails, or takes longer than `timeoutMs`,
 * is DEVICE_UNREACHABLE with reason "dns" (the seed's message, naming the host as the caller spelt it).
 */
export async function resolveHost(host: string, port: number, timeoutMs: number, lookupFn: HostLookup = systemLookup): Promise<string> {
  if (isIP(host) !== 0) return host;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`DNS lookup of '${host}' took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const { address } = await Promise.race([lookupFn(host), late]);
    return address;
  } catch (err) {
    throw new ZkUnreachableError(host, port, { cause: err, reason: "dns" });
  } finally {
    clearTimeout(timer);
  }
}
