// The isolate cache of API keys and registry rows: changes through the API apply at once, others within the stated bound.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { REGISTRY_CACHE_MS, keyCache, deviceCache, setRegistryCacheMs } from "../../gateway/auth/cache";
import { createDevice, createKey, createSite, json, wipe } from "./helpers";
import { interceptDb, requestWith } from "./intercept";

beforeEach(wipe);
afterEach(() => void setRegistryCacheMs(REGISTRY_CACHE_MS));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("API keys", () => {
  test("a key revoked through the API is refused on the very next request", async () => {
    const site = await createSite();
    await createDevice({ id: "principal", site: site.id });
    const { id, key } = await createKey("read");
    expect((await json("GET", "/devices/principal", { key })).status).toBe(200);
    expect(keyCache.size).toBe(1); // it is cached now
    expect((await json("DELETE", `/admin/keys/${id}`)).status).toBe(200);
    const r = await json("GET", "/devices/principal", { key });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe("UNAUTHORIZED");
  });

  test(`a key revoked behind this isolate's back (another isolate, or D1 by hand) is refused within ${REGISTRY_CACHE_MS} ms`, async () => {
    const site = await createSite();
    await createDevice({ id: "principal", site: site.id });
    const { id, key } = await createKey("read");
    expect((await json("GET", "/devices/principal", { key })).status).toBe(200);
    const revokedAt = Date.now();
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(new Date().toISOString(), id).run();
    // Still served from the cache right after: the change did not pass through this isolate.
    expect((await json("GET", "/devices/principal", { key })).status).toBe(200);
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < REGISTRY_CACHE_MS + 3000) {
      await sleep(100);
      status = (await json("GET", "/devices/principal", { key })).status;
    }
    expect(status).toBe(401);
    // The bound: refused no later than REGISTRY_CACHE_MS after the revocation, plus one polling step.
    expect(Date.now() - revokedAt).toBeLessThan(REGISTRY_CACHE_MS + 1000);
  });

  test("a new key works at once, and an unknown one is not remembered", async () => {
    expect((await json("GET", "/devices", { key: "zkr_key_unknown" })).status).toBe(401);
    expect(keyCache.size).toBe(0);
    const { key } = await createKey("read");
    expect((await json("GET", "/devices", { key })).status).toBe(200);
  });

  test("with the cache off every request reads D1: a revocation behind its back applies at once", async () => {
    setRegistryCacheMs(0);
    const { id, key } = await createKey("read");
    expect((await json("GET", "/devices", { key })).status).toBe(200);
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(new Date().toISOString(), id).run();
    expect((await json("GET", "/devices", { key })).status).toBe(401);
  });
});

describe("D1 round trips", () => {
  test("a repeated authenticated device request reads D1 once, then not at all while the rows are fresh", async () => {
    const site = await createSite();
    await createDevice({ id: "principal", site: site.id });
    const { key } = await createKey("read");
    const statements: string[] = [];
    const db = interceptDb(env.DB, async (sql, _method, proceed) => {
      statements.push(sql);
      return proceed();
    });
    const get = () => requestWith({ DB: db }, "GET", "/devices/principal", { headers: { authorization: `Bearer ${key}` } });
    expect((await get()).status).toBe(200);
    // Key by hash, registry row (and last_used_at, written once a minute at most).
    expect(statements.filter((q) => /^\s*SELECT/i.test(q))).toHaveLength(2);
    statements.length = 0;
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
    expect(statements).toEqual([]);
  });
});

describe("registry rows", () => {
  test("a device changed or deleted through the API is seen at once", async () => {
    const site = await createSite();
    await createDevice({ id: "principal", site: site.id, ip: "127.0.0.1" });
    expect((await json("GET", "/devices/principal")).body.data.port).toBe(4370);
    expect(deviceCache.size).toBe(1);
    expect((await json("PUT", "/devices/principal", { body: { port: 4371 } })).status).toBe(200);
    expect((await json("GET", "/devices/principal")).body.data.port).toBe(4371);
    expect((await json("DELETE", "/devices/principal")).status).toBe(200);
    const gone = await json("GET", "/devices/principal");
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe("DEVICE_NOT_FOUND");
  });

  test("a device moved to another site by hand is out of a site-scoped key's reach within the bound", async () => {
    const a = await createSite();
    const b = await createSite();
    await createDevice({ id: "principal", site: a.id });
    const { key } = await createKey("read", [a.id]);
    expect((await json("GET", "/devices/principal", { key })).status).toBe(200);
    const movedAt = Date.now();
    await env.DB.prepare("UPDATE devices SET site_id = ? WHERE id = ?").bind(b.id, "principal").run();
    let status = 200;
    while (status === 200 && Date.now() - movedAt < REGISTRY_CACHE_MS + 3000) {
      await sleep(100);
      status = (await json("GET", "/devices/principal", { key })).status;
    }
    expect(status).toBe(404);
    expect(Date.now() - movedAt).toBeLessThan(REGISTRY_CACHE_MS + 1000);
  });

  test("with SERVER_TIMING unset, answers carry no Server-Timing header", async () => {
    const site = await createSite();
    await createDevice({ id: "principal", site: site.id });
    expect((await json("GET", "/devices/principal")).headers.get("server-timing")).toBeNull();
  });
});
