// /admin/keys: API keys (shown once at creation, stored as SHA-256), listed without secrets, revoked by id.
import { Hono } from "hono";
import { newSecret, sha256Hex } from "../auth/crypto";
import { requireRole } from "../auth/roles";
import { noteAudit } from "../audit";
import { insertKey, listKeys, revokeKey, toPublicKey } from "../db/keys";
import { listSiteIds } from "../db/sites";
import type { AppEnv } from "../http/app-env";
import { validBody, validParam } from "../http/body";
import { ok } from "../http/envelope";
import { apiError } from "../http/errors";
import { z } from "zod";
import { CreateKeyBody } from "../schemas";

export const API_KEY_PREFIX = "zkr_key";
const KeyId = z.string().min(1).max(64);

function newKeyId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `key_${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export const adminKeys = new Hono<AppEnv>()
  .use("*", requireRole("admin", { allSites: true }))
  .post("/", async (c) => {
    const input = await validBody(c, CreateKeyBody);
    const sites = input.sites ? [...new Set(input.sites)].sort() : null;
    if (sites) {
      const known = new Set(await listSiteIds(c.env.DB));
      const missing = sites.find((s) => !known.has(s));
      if (missing !== undefined) throw apiError("SITE_NOT_FOUND", { site_id: missing });
    }
    const key = newSecret(API_KEY_PREFIX);
    const row = await insertKey(c.env.DB, {
      id: newKeyId(),
      name: input.name,
      keyHash: await sha256Hex(key),
      role: input.role,
      sites,
      now: new Date().toISOString(),
    });
    noteAudit(c, { detail: { key_id: row.id, role: row.role, sites } });
    return ok(c, { id: row.id, name: row.name, role: row.role, sites, key }, 201);
  })
  .get("/", async (c) => ok(c, (await listKeys(c.env.DB)).map(toPublicKey)))
  .delete("/:id", async (c) => {
    const id = validParam(c, "id", KeyId);
    const row = await revokeKey(c.env.DB, id, new Date().toISOString());
    if (!row) throw apiError("KEY_NOT_FOUND", { key_id: id });
    noteAudit(c, { detail: { key_id: id } });
    return ok(c, toPublicKey(row));
  });
