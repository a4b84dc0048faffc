// /admin/sites: sites and their agent tokens (shown once, stored hashed); an unscoped admin key only.
import { Hono, type Context } from "hono";
import { sha256Hex, newSecret } from "../auth/crypto";
import { requireRole } from "../auth/roles";
import { noteAudit } from "../audit";
import { forgetAll } from "../auth/cache";
import { deleteEmptySite, getSite, insertSite, listSitesWithCounts, setSiteToken } from "../db/sites";
import type { AppEnv } from "../http/app-env";
import { validBody, validParam } from "../http/body";
import { ok } from "../http/envelope";
import { apiError } from "../http/errors";
import { agentStatus, setAgentToken } from "../relay/call-agent";
import { CreateSiteBody, SiteId } from "../schemas";

/** Agent tokens look like `zkr_site_<43 base64url chars>`. */
export const SITE_TOKEN_PREFIX = "zkr_site";

/** The agent object of docs/http-api.md §9: connected, and hostname/version/since when known; last_seen when ever heard. */
function publicStatus(s: { connected: boolean; hostname?: string; version?: string; since?: string; last_seen?: string }) {
  const { connected, hostname, version, since, last_seen } = s;
  return { connected, ...(connected ? { hostname, version, since } : {}), ...(last_seen ? { last_seen } : {}) };
}

/**
 * Tells the site's relay its new token hash (null: deleted), which also drops agents on any other token. D1 has
 * already changed, so the call is done: a relay that cannot be told is logged, not a failed answer — connect.ts
 * refuses the old token from D1 alone, and the relay catches up on the next upgrade (relay/token-gate.ts).
 */
async function tellRelay(c: Context<AppEnv>, siteId: string, tokenHash: string | null): Promise<void> {
  try {
    await setAgentToken(c.env, siteId, tokenHash);
  } catch (e) {
    const what = tokenHash === null ? "site deletion" : "new token";
    console.error(`[${c.get("requestId") ?? "-"}] site ${siteId}: the relay was not told of the ${what}: ${(e as Error).message}`);
  }
}

export const adminSites = new Hono<AppEnv>()
  .use("*", requireRole("admin", { allSites: true }))
  .post("/", async (c) => {
    const input = await validBody(c, CreateSiteBody);
    noteAudit(c, { site: input.id });
    const token = newSecret(SITE_TOKEN_PREFIX);
    const tokenHash = await sha256Hex(token);
    const name = input.name ?? input.id;
    const created = await insertSite(c.env.DB, { id: input.id, name, tokenHash, now: new Date().toISOString() });
    if (!created) throw apiError("SITE_EXISTS", { site_id: input.id });
    // A site id used before keeps its relay: replace that site's "deleted" mark with this token.
    await tellRelay(c, input.id, tokenHash);
    return ok(c, { id: input.id, name, token }, 201);
  })
  .get("/", async (c) => {
    const sites = await listSitesWithCounts(c.env.DB);
    const agents = await Promise.all(
      // A relay that cannot answer is reported as a disconnected agent, not as a failed listing.
      sites.map((s) => agentStatus(c.env, s.id).then(publicStatus, () => ({ connected: false }))),
    );
    return ok(c, sites.map((s, i) => ({ ...s, agent: agents[i] })));
  })
  .delete("/:id", async (c) => {
    const id = validParam(c, "id", SiteId);
    noteAudit(c, { site: id });
    const outcome = await deleteEmptySite(c.env.DB, id);
    if (outcome === "not_found") throw apiError("SITE_NOT_FOUND", { site_id: id });
    if (outcome === "not_empty") throw apiError("SITE_NOT_EMPTY", { site_id: id });
    // Keys scoped to it were revoked or narrowed in the same batch: this isolate forgets every cached key at once.
    forgetAll();
    // Its token no longer exists: the relay refuses it from now on and drops an agent still connected with it.
    await tellRelay(c, id, null);
    return ok(c, { id, deleted: true });
  })
  .post("/:id/rotate-token", async (c) => {
    const id = validParam(c, "id", SiteId);
    noteAudit(c, { site: id });
    const site = await getSite(c.env.DB, id);
    if (!site) throw apiError("SITE_NOT_FOUND", { site_id: id });
    const token = newSecret(SITE_TOKEN_PREFIX);
    const tokenHash = await sha256Hex(token);
    if (!(await setSiteToken(c.env.DB, id, tokenHash))) throw apiError("SITE_NOT_FOUND", { site_id: id });
    // docs/http-api.md §9: the old token stops working and an agent connected with it is disconnected.
    await tellRelay(c, id, tokenHash);
    return ok(c, { id, name: site.name, token });
  });
