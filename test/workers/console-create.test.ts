// Creating API keys and webhooks from the console: the one-time secret page, validation in the user's language,
// role and CSRF refusals, and retrying a delivery (docs/console.md §1, §7).
import { beforeAll, describe, expect, test } from "vitest";
import { ConsoleClient, type Page } from "./console-helpers";
import { BASE, createKey, createSite, json, uid } from "./helpers";
import { configureReceiver, punch, received, RECEIVER, siteWithDevices, storeAndPublish, until } from "./webhook-helpers";

let siteA: string;
let siteB: string;
let admin: ConsoleClient;
let adminKeyId: string;

async function signedIn(key: string, lang = "es"): Promise<ConsoleClient> {
  const c = new ConsoleClient(lang);
  const res = await c.signIn(key);
  if (res.status !== 303) throw new Error(`sign-in: ${res.status}`);
  return c;
}

/** The value shown in the one-time box of a created-secret page. */
function shownSecret(page: Page): string | undefined {
  return /<code id="new-secret" class="secret">([^<]+)<\/code>/.exec(page.html)?.[1];
}

/** The create form of `page` (by id), or undefined. */
function formOf(page: Page, id: string): string | undefined {
  return new RegExp(`<form[^>]*id="${id}"[\\s\\S]*?</form>`).exec(page.html)?.[0];
}

async function keyNamed(name: string) {
  const keys = await json("GET", "/admin/keys");
  return (keys.body.data as { id: string; name: string; role: string; sites: string[] | null }[]).filter((k) => k.name === name);
}

async function webhooksTo(url: string) {
  const hooks = await json("GET", "/admin/webhooks");
  return (hooks.body.data as { id: string; url: string; events: string[]; sites: string[] | null }[]).filter((w) => w.url === url);
}

beforeAll(async () => {
  siteA = (await createSite()).id;
  siteB = (await createSite()).id;
  const k = await createKey("admin");
  adminKeyId = k.id;
  admin = await signedIn(k.key);
});

describe("console: create an API key", () => {
  test("the form offers name, the API's roles and every site; the key is shown once, no-store, and works", async () => {
    const page = await admin.get("/ui/keys");
    const form = formOf(page, "create-key")!;
    expect(form).toContain('method="post"');
    expect(form).toContain('action="/ui/keys"');
    expect(form).toContain('name="_csrf"');
    expect(form).toContain('name="name"');
    for (const role of ["read", "write", "admin"]) expect(form).toContain(`name="role" value="${role}"`);
    expect(form).toContain(`name="sites" value="${siteA}"`);
    expect(form).toContain(`name="sites" value="${siteB}"`);

    const name = uid("reception");
    const made = await admin.post("/ui/keys", { _csrf: await admin.csrf(), name, role: "read", sites: [siteA] });
    expect(made.status).toBe(200);
    expect(made.location).toBeNull();
    expect(made.headers.get("cache-control")).toBe("no-store");
    expect(made.html).toContain("Cópiela ahora: no se volverá a mostrar.");
    const key = shownSecret(made)!;
    expect(key).toMatch(/^zkr_key_[\w-]{43}$/);
    // Exactly once in the page, nowhere in the headers (no redirect, no cookie carries it).
    expect(made.html.split(key)).toHaveLength(2);
    for (const [, v] of made.headers) expect(v).not.toContain(key);

    const [row] = await keyNamed(name);
    expect(row).toMatchObject({ role: "read", sites: [siteA] });
    // The key shown is the real one: the API takes it, with its role and scope.
    expect((await json("GET", "/devices", { key })).status).toBe(200);
    expect((await json("GET", "/admin/keys", { key })).status).toBe(403);

    // Afterwards the list names the key but never shows it again; the audit log does not hold it either.
    const list = await admin.get("/ui/keys");
    expect(list.html).toContain(`data-key="${row!.id}"`);
    expect(list.html).not.toContain(key);
    expect(list.html).not.toContain('id="new-secret"');
    const audit = await admin.get("/ui/audit");
    expect(audit.html).toContain("keys.create");
    expect(audit.html).not.toContain(key);

    // Signing in with the new key gives the read-only view.
    const reader = await signedIn(key);
    const sites = await reader.get("/ui/sites");
    expect(sites.html).toContain("rol read");
    expect(sites.html).not.toContain('href="/ui/keys"');
  });

  test("a key for every site leaves sites out; English words for an English browser", async () => {
    const en = await signedIn((await createKey("admin")).key, "en-US,en;q=0.9");
    const page = await en.get("/ui/keys");
    expect(page.html).toContain("New API key");
    expect(page.html).toContain("None checked: every site");
    const name = uid("erp");
    const made = await en.post("/ui/keys", { _csrf: await en.csrf(), name, role: "write" });
    expect(made.html).toContain("Copy it now: it will not be shown again.");
    expect(shownSecret(made)).toMatch(/^zkr_key_/);
    expect((await keyNamed(name))[0]).toMatchObject({ role: "write", sites: null });
  });

  test("a refused form shows the API's error in the user's language and keeps what was typed", async () => {
    const long = "x".repeat(101);
    const es = await admin.post("/ui/keys", { _csrf: await admin.csrf(), name: long, role: "write", sites: [siteB] });
    expect(es.status).toBe(400);
    expect(es.html).toContain("Datos no válidos");
    expect(es.html).toContain("VALIDATION_FAILED");
    expect(es.html).toContain("Revise «Nombre»");
    const form = formOf(es, "create-key")!;
    expect(form).toContain(`value="${long}"`);
    expect(form).toMatch(/name="role" value="write" checked/);
    expect(form).not.toMatch(/name="role" value="read" checked/);
    expect(form).toMatch(new RegExp(`name="sites" value="${siteB}" checked`));
    expect(form).not.toMatch(new RegExp(`name="sites" value="${siteA}" checked`));
    expect(es.html).not.toContain('id="new-secret"');

    const en = await signedIn((await createKey("admin")).key, "en");
    const name = uid("ghost-site");
    const missing = await en.post("/ui/keys", { _csrf: await en.csrf(), name, role: "read", sites: ["no-such-site"] });
    expect(missing.status).toBe(404);
    expect(missing.html).toContain("Site &#39;no-such-site&#39; not found.");
    expect(missing.html).toContain("SITE_NOT_FOUND");
    expect(formOf(missing, "create-key")).toContain(`value="${name}"`);
    expect(await keyNamed(name)).toEqual([]);
  });

  test("keys the API does not let manage keys see no form, and a forged post is refused with 403", async () => {
    for (const who of [await createKey("write"), await createKey("admin", [siteA])]) {
      const c = await signedIn(who.key);
      const page = await c.get("/ui/keys");
      expect(formOf(page, "create-key")).toBeUndefined();
      expect(page.html).toContain("FORBIDDEN");
      const name = uid("forged");
      const forged = await c.post("/ui/keys", { _csrf: await c.csrf(), name, role: "admin" });
      expect(forged.status).toBe(403);
      expect(forged.html).toContain("FORBIDDEN");
      expect(forged.html).not.toContain('id="new-secret"');
      expect(await keyNamed(name)).toEqual([]);
    }
  });

  test("without the session's CSRF token or from another origin, nothing is created", async () => {
    const name = uid("csrf");
    const csrf = await admin.csrf();
    const attempts = [
      await admin.post("/ui/keys", { name, role: "admin" }),
      await admin.post("/ui/keys", { _csrf: "0".repeat(64), name, role: "admin" }),
      await admin.post("/ui/keys", { _csrf: csrf, name, role: "admin" }, "https://evil.example"),
      await admin.post("/ui/keys", { _csrf: csrf, name, role: "admin" }, null),
    ];
    for (const a of attempts) {
      expect(a.status).toBe(403);
      expect(a.html).toContain("El formulario caducó");
      expect(a.html).not.toContain("zkr_key_");
    }
    expect(await keyNamed(name)).toEqual([]);
    // The same form with the token and the console's origin goes through.
    expect((await admin.post("/ui/keys", { _csrf: csrf, name, role: "read" }, BASE)).status).toBe(200);
    expect(await keyNamed(name)).toHaveLength(1);
  });
});

describe("console: create a webhook", () => {
  test("event types from the API's list; the secret is shown once, no-store, and signs the deliveries", async () => {
    const { site, devices } = await siteWithDevices(1);
    const page = await admin.get("/ui/webhooks");
    const form = formOf(page, "create-webhook")!;
    expect(form).toContain('action="/ui/webhooks"');
    expect(form).toContain('name="_csrf"');
    for (const e of ["attendance", "enrollment", "door", "alarm"]) expect(form).toContain(`name="events" value="${e}"`);
    expect(form).toContain(`name="sites" value="${site}"`);

    const path = `/hooks/${uid("console")}`;
    const url = `${RECEIVER}${path}`;
    const made = await admin.post("/ui/webhooks", { _csrf: await admin.csrf(), url, events: ["attendance", "door"], sites: [site] });
    expect(made.status).toBe(200);
    expect(made.location).toBeNull();
    expect(made.headers.get("cache-control")).toBe("no-store");
    expect(made.html).toContain("Copie el secreto ahora: no se volverá a mostrar.");
    const secret = shownSecret(made)!;
    expect(secret).toMatch(/^whsec_[\w-]{43}$/);
    expect(made.html.split(secret)).toHaveLength(2);
    for (const [, v] of made.headers) expect(v).not.toContain(secret);
    const [hook] = await webhooksTo(url);
    expect(hook).toMatchObject({ events: ["attendance", "door"], sites: [site] });
    expect(made.html).toContain(`href="/ui/webhooks/${hook!.id}"`);

    // The list shows the subscription, never the secret; its deliveries page neither.
    const list = await admin.get("/ui/webhooks");
    expect(list.html).toContain(`data-webhook="${hook!.id}"`);
    expect(list.html).not.toContain(secret);
    expect(list.html).not.toContain('id="new-secret"');
    expect((await admin.get(`/ui/webhooks/${hook!.id}`)).html).not.toContain(secret);

    // The secret shown is the one the gateway signs with.
    await configureReceiver(path, { secret });
    await storeAndPublish(site, [punch(devices[0]!)]);
    const got = await until("a delivery", async () => {
      const all = await received(path);
      return all.length > 0 ? all : undefined;
    });
    expect(got[0]!.verified).toBe(true);
    expect(got[0]!.status).toBe(204);
  });

  test("a refused form shows the API's reason in the user's language and keeps the url, events and sites", async () => {
    const bad = "http://10.1.2.3/hook";
    const es = await admin.post("/ui/webhooks", { _csrf: await admin.csrf(), url: bad, events: ["door", "alarm"], sites: [siteB] });
    expect(es.status).toBe(400);
    expect(es.html).toContain("Datos no válidos");
    expect(es.html).toContain("Revise «URL»");
    const form = formOf(es, "create-webhook")!;
    expect(form).toContain(`value="${bad}"`);
    expect(form).toMatch(/name="events" value="door" checked/);
    expect(form).toMatch(/name="events" value="alarm" checked/);
    expect(form).not.toMatch(/name="events" value="attendance" checked/);
    expect(form).toMatch(new RegExp(`name="sites" value="${siteB}" checked`));
    expect(await webhooksTo(bad)).toEqual([]);

    const en = await signedIn((await createKey("admin")).key, "en");
    const url = `${RECEIVER}/hooks/${uid("none")}`;
    const noEvents = await en.post("/ui/webhooks", { _csrf: await en.csrf(), url });
    expect(noEvents.status).toBe(400);
    expect(noEvents.html).toContain("Invalid input");
    expect(noEvents.html).toContain("Check “Events”");
    expect(formOf(noEvents, "create-webhook")).toContain(`value="${url}"`);
    expect(noEvents.html).not.toContain('id="new-secret"');
    expect(await webhooksTo(url)).toEqual([]);
  });

  test("keys the API does not let manage webhooks see no form; forged or token-less posts are refused with 403", async () => {
    for (const who of [await createKey("write"), await createKey("admin", [siteA])]) {
      const c = await signedIn(who.key);
      const page = await c.get("/ui/webhooks");
      expect(formOf(page, "create-webhook")).toBeUndefined();
      const url = `${RECEIVER}/hooks/${uid("forged")}`;
      const forged = await c.post("/ui/webhooks", { _csrf: await c.csrf(), url, events: ["attendance"] });
      expect(forged.status).toBe(403);
      expect(forged.html).toContain("FORBIDDEN");
      expect(await webhooksTo(url)).toEqual([]);
    }
    const url = `${RECEIVER}/hooks/${uid("no-token")}`;
    const noToken = await admin.post("/ui/webhooks", { url, events: ["attendance"] });
    expect(noToken.status).toBe(403);
    const foreign = await admin.post("/ui/webhooks", { _csrf: await admin.csrf(), url, events: ["attendance"] }, "https://evil.example");
    expect(foreign.status).toBe(403);
    expect(await webhooksTo(url)).toEqual([]);
  });

  test("a failed delivery is retried from its deliveries page; other roles and token-less posts are refused", async () => {
    const { site, devices } = await siteWithDevices(1);
    const path = `/hooks/${uid("retry")}`;
    const made = await admin.post("/ui/webhooks", { _csrf: await admin.csrf(), url: `${RECEIVER}${path}`, events: ["attendance"], sites: [site] });
    const hookId = /href="\/ui\/webhooks\/(whk_[0-9a-f]{16})"/.exec(made.html)![1]!;
    // Every attempt refused: the delivery stays pending, with its Retry button.
    await configureReceiver(path, { failFirst: 1_000_000, failStatus: 503, secret: shownSecret(made)! });
    await storeAndPublish(site, [punch(devices[0]!)]);
    await until("a refused attempt", async () => ((await received(path)).length > 0 ? true : undefined));
    const page = await admin.get(`/ui/webhooks/${hookId}`);
    const m = new RegExp(`action="(/ui/webhooks/${hookId}/deliveries/(dlv_[0-9a-f]{20})/retry)"`).exec(page.html)!;
    const [, action, deliveryId] = m;
    expect(page.html).toContain(`data-delivery="${deliveryId}" data-status="pending"`);

    const writer = await signedIn((await createKey("write")).key);
    const refused = await writer.post(action!, { _csrf: await writer.csrf() });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain("FORBIDDEN");
    expect((await admin.post(action!, {})).status).toBe(403);

    await configureReceiver(path, { secret: shownSecret(made)! });
    const retried = await admin.post(action!, { _csrf: await admin.csrf() });
    expect(retried.status).toBe(303);
    expect(retried.location).toBe(`/ui/webhooks/${hookId}`);
    await until("the retried delivery delivered", async () => {
      const d = await json("GET", `/admin/webhooks/${hookId}/deliveries`);
      return d.body.data.find((x: { id: string; status: string }) => x.id === deliveryId && x.status === "delivered") ? true : undefined;
    });
    expect((await received(path)).some((r) => r.status === 204 && r.verified === true)).toBe(true);
    // The console's retry went through the API as the signed-in key (the writer's and the token-less did not).
    const audit = await json("GET", `/audit?device_id=${devices[0]}`);
    const retries = (audit.body.data as { action: string; key_id: string; status: number }[]).filter((r) => r.action === "webhooks.retry");
    expect(retries.map((r) => [r.key_id, r.status])).toEqual([[adminKeyId, 200]]);
  });
});
