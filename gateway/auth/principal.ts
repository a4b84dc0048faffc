// Who is calling: resolves a bearer secret to `{keyId, role, sites}` (the env ADMIN_API_KEY or a stored key).
import type { Env } from "../env";
import { parseSites } from "../db/keys";
import { activeKeyByHash } from "./cached-rows";
import { sha256Hex, timingSafeEqualText } from "./crypto";

import { ROLES, type Role } from "../../shared/ops";

export { ROLES, type Role };

export interface Principal {
  keyId: string;
  role: Role;
  /** Site ids this key may see; null = every site. */
  sites: string[] | null;
}

/** docs/http-api.md §3: the env ADMIN_API_KEY is an admin key for all sites with key id `bootstrap`. */
export const BOOTSTRAP_KEY_ID = "bootstrap";

export interface ResolvedKey {
  principal: Principal;
  /** When a stored key was last used (null: never, or the bootstrap key). */
  lastUsedAt: string | null;
}

/** The principal of `secret`, or null when it matches no live key. */
export async function resolvePrincipal(env: Env, secret: string): Promise<ResolvedKey | null> {
  // Compare against the bootstrap key first, in constant time, even when it is unset (no early exit).
  const admin = env.ADMIN_API_KEY ?? "";
  const isBootstrap = await timingSafeEqualText(secret, admin);
  if (admin.length > 0 && isBootstrap) {
    return { principal: { keyId: BOOTSTRAP_KEY_ID, role: "admin", sites: null }, lastUsedAt: null };
  }
  const hash = await sha256Hex(secret);
  const row = await activeKeyByHash(env, hash);
  // The hash lookup finds the row; the constant-time compare keeps the final decision timing-flat.
  if (!row || !(await timingSafeEqualText(row.key_hash, hash))) return null;
  return { principal: { keyId: row.id, role: row.role, sites: parseSites(row.sites) }, lastUsedAt: row.last_used_at };
}

/** True when `principal` may act on devices of `siteId`. */
export function canSeeSite(principal: Principal, siteId: string): boolean {
  return principal.sites === null || principal.sites.includes(siteId);
}

/** True when `role` grants at least `needed` (read < write < admin). */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
