// The per-terminal lock key from a resolved address: two spellings of one host (localhost, 127.0.0.1) are one terminal.
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { DeviceTarget } from "../../shared/device";

/** Every address a host name resolves to. */
export type HostLookup = (host: string) => Promise<string[]>;

const systemLookup: HostLookup = async (host) => (await dnsLookup(host, { all: true })).map((a) => a.address);

/** How long a resolved name is trusted (a DHCP-assigned terminal may move; the next request sees it). */
const TTL_MS = 60_000;

function keyOf(address: string, port: number): string {
  const host = address.trim().toLowerCase();
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Resolves a target's host to the address its lock is keyed by: the first IPv4 address (else the first), so
 * `localhost` (::1 and 127.0.0.1) shares the lock of `127.0.0.1`. An IP literal is its own key, without a lookup;
 * a name that does not resolve keys by the name (its connect fails on its own).
 */
export class TerminalAddresses {
  private readonly cache = new Map<string, { at: number; key: Promise<string> }>();

  constructor(private readonly lookup: HostLookup = systemLookup) {}

  /** The key without waiting, when the host is an IP literal or recently resolved. */
  known(target: Pick<DeviceTarget, "ip" | "port">): string | undefined {
    const host = target.ip.trim().toLowerCase();
    if (isIP(host.replace(/^\[|\]$/g, ""))) return keyOf(host.replace(/^\[|\]$/g, ""), target.port);
    return undefined;
  }

  resolve(target: Pick<DeviceTarget, "ip" | "port">): Promise<string> {
    const host = target.ip.trim().toLowerCase();
    const cached = this.cache.get(host);
    const now = Date.now();
    // One lookup per name at a time: concurrent requests await the same promise and keep their order.
    let key = cached && now - cached.at < TTL_MS ? cached.key : undefined;
    if (!key) {
      key = this.lookup(host).then(
        (all) => all.find((a) => isIP(a) === 4) ?? all[0] ?? host,
        () => host,
      );
      this.cache.set(host, { at: now, key });
    }
    return key.then((address) => keyOf(address, target.port));
  }
}
