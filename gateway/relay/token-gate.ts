// The site's current agent-token hash as its Durable Object holds it: the last check an agent upgrade must pass.
import { getSite } from "../db/sites";

const TOKEN_KEY = "token";

/** What ctx.storage holds: the hash of the site's current token, or null once the site is deleted. */
interface StoredToken {
  hash: string | null;
}

/** The stored hash: undefined when never set (a site created before the DO held tokens), null when deleted. */
export async function storedTokenHash(storage: DurableObjectStorage): Promise<string | null | undefined> {
  const stored = await storage.get<StoredToken>(TOKEN_KEY);
  return stored === undefined ? undefined : stored.hash;
}

/** Records the site's current token hash (null: the site is gone and no token is valid). */
export async function storeTokenHash(storage: DurableObjectStorage, hash: string | null): Promise<void> {
  await storage.put(TOKEN_KEY, { hash } satisfies StoredToken);
}

/**
 * Whether an upgrade presenting `presented` (the hash of its token, which connect.ts found in D1 moments ago)
 * may connect. Admin routes write D1 first and then call SiteRelay.setToken, so:
 * - stored equals presented: yes;
 * - nothing stored yet (a site from before this check): trust connect.ts's D1 check and remember the hash —
 *   a rotation racing this upgrade then reaches setToken after us and closes the socket;
 * - stored differs: usually a token rotated or a site deleted between connect.ts's lookup and now → no. But
 *   when D1 *now* holds the presented hash, this object missed a setToken (it failed after D1 changed) and is
 *   behind: it catches up instead of locking the new token out.
 */
export async function admitToken(storage: DurableObjectStorage, db: D1Database, siteId: string, presented: string): Promise<boolean> {
  const stored = await storedTokenHash(storage);
  if (stored === presented) return true;
  if (stored === undefined) {
    await storeTokenHash(storage, presented);
    return true;
  }
  const current = (await getSite(db, siteId))?.token_hash;
  if (current !== presented) return false;
  // Reading D1 let other calls run: a setToken that landed meanwhile is newer than what D1 showed us.
  const now = await storedTokenHash(storage);
  if (now === presented) return true;
  if (now !== stored) return false;
  console.warn(`[site-relay ${siteId}] stored token hash was behind D1 (a setToken failed); caught up`);
  await storeTokenHash(storage, presented);
  return true;
}
