// Which webhook URLs the gateway will POST to: https to a public host; http/loopback only under the dev setting (docs/webhooks.md §3).

/** Why a URL is refused (shown in the VALIDATION_FAILED details), or null when it is acceptable. */
export function urlProblem(raw: string, allowLoopback: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not an absolute URL";
  }
  if (url.username || url.password) return "credentials in the URL are not allowed (use the signature)";
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const loopback = isLoopback(host);
  if (url.protocol === "http:") {
    if (!(allowLoopback && loopback)) return "must be https (http only to a loopback address under WEBHOOK_ALLOW_LOOPBACK)";
  } else if (url.protocol !== "https:") {
    return "must be https";
  }
  if (loopback) return allowLoopback ? null : "loopback addresses are not allowed";
  if (isPrivateHost(host)) return "private, link-local and internal addresses are not allowed";
  return null;
}

function isLoopback(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost") || host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  const v4 = ipv4(host);
  return v4 !== null && v4[0] === 127;
}

/** Literal private, link-local, unspecified, CGNAT and multicast addresses, and names that only resolve inside a LAN. */
function isPrivateHost(host: string): boolean {
  if (host.endsWith(".local") || host.endsWith(".internal") || host.endsWith(".lan") || host.endsWith(".home.arpa")) return true;
  if (!host.includes(".") && !host.includes(":")) return true; // a bare name: resolved by a LAN's DNS search list
  const v4 = ipv4(host) ?? mappedV4(host);
  if (v4) {
    const [a, b] = v4;
    return (
      a === 0 || a === 10 || a === 127 || a >= 224 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 198 && (b === 18 || b === 19))
    );
  }
  if (host.includes(":")) {
    const h = host.replace(/^0+/, "");
    return h === "" || h === ":" || h === "::" || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || /^ff/.test(host);
  }
  return false;
}

function ipv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

/** `::ffff:10.0.0.1` (WHATWG URL writes it `::ffff:a00:1`). */
function mappedV4(host: string): number[] | null {
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (m) {
    const hi = parseInt(m[1]!, 16);
    const lo = parseInt(m[2]!, 16);
    return [hi >> 8, hi & 255, lo >> 8, lo & 255];
  }
  const d = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  return d ? ipv4(d[1]!) : null;
}
