// /admin/sites: sites and their agent tokens (shown once, stored hashed); an unscoped admin key only.
import { Hono } from "hono";
import { DeviceId } from "../../shared/device";
import { sha256Hex, newSecret } from "../auth/crypto";
import { requireRole } from "../auth/roles";
import { noteAudit } from "../audit";
import { deleteEmptySite, getSite, insertSite, listSitesWithCounts, setSiteToken } from "../db/sites";
import type { AppEnv } from "../http/app-env";
import { validBody, validParam } from "../http/body";
import { ok } from "../http/envelope";
import { apiError } from "../http/errors";
import { agentStatus, disconnectAgent } from "../relay/call-agent";
import { CreateSiteBody } from "../schemas";

/** Agent tokens look like `zkr_site_<43 base64url chars>`. */
export const SITE_TOKEN_PREFIX = "zkr_site";

/** gateway-api.md's agent object: connected, and hostname/version/since when known. */
function publicStatus(s: { connected: boolean; hostname?: string; version?: string; since?: string }) {
  const { connected, hostname, version, since } = s;
  return { connected, ...(connected ? { hostname, version, since } : {}) };
}

export const adminSites = new Hono<AppEnv>()
  .use("*", requireRole("admin", { allSites: true }))
  .post("/", async (c) => {
    const input = await validBody(c, CreateSiteBody);
    noteAudit(c, { site: input.id });
    const token = newSecret(SITE_TOKEN_PREFIX);
    const name = input.name ?? input.id;
    const created = await insertSite(c.env.DB, { id: input.id, name, tokenHash: await sha256Hex(token), now: new Date().toISOString() });
    if (!created) throw apiError(c, "SITE_EXISTS", { site_id: input.id });
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
    const id = validParam(c, "id", DeviceId);
    noteAudit(c, { site: id });
    const outcome = await deleteEmptySite(c.env.DB, id);
    if (outcome === "not_found") throw apiError(c, "SITE_NOT_FOUND", { site_id: id });
    if (outcome === "not_empty") throw apiError(c, "SITE_NOT_EMPTY", { site_id: id });
    // Its token no longer exists: an agent still connected with it must go too.
    await disconnectAgent(c.env, id);
    return ok(c, { id, deleted: true });
  })
  .post("/:id/rotate-token", async (c) => {
    const id = validParam(c, "id", DeviceId);
    noteAudit(c, { site: id });
    const site = await getSite(c.env.DB, id);
    if (!site) throw apiError(c, "SITE_NOT_FOUND", { site_id: id });
    const token = newSecret(SITE_TOKEN_PREFIX);
    if (!(await setSiteToken(c.env.DB, id, await sha256Hex(token)))) throw apiError(c, "SITE_NOT_FOUND", { site_id: id });
    // gateway-api.md: the old token stops working and an agent connected with it is disconnected.
    await disconnectAgent(c.env, id);
    return ok(c, { id, name: site.name, token });
  });
