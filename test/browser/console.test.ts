// The admin console in a real browser (Debian's Chromium) against the whole system: gateway, agent, simulators.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Simulator } from "../../agent/zk/sim";
import { SEED_USER_ID } from "../../scripts/lib/terminals";
import { freePort } from "../../scripts/lib/ports";
import { waitFor } from "../../scripts/lib/api-client";
import { startReceiver, type WebhookReceiver } from "../../scripts/lib/webhook-receiver";
import { startSystem, type System } from "../e2e/harness/system";
import { launchChromium, type Browser } from "./chromium";

let sys: System;
let browser: Browser;
let principal: Simulator;
let entrada: Simulator;
/** The read key the admin creates in the console (shown once), then signs in with. */
let readKey: string;
let receiver: WebhookReceiver;
let webhookId: string;
let webhookSecret: string;
const HOOK_PATH = "/hooks/console";
const cspViolations: string[] = [];

const userIds = (sim: Simulator) => sim.state.users().map((u) => u.userId);

beforeAll(async () => {
  // The receiver refuses deliveries until the test says otherwise; retries are far apart, so only the console's
  // Retry button can deliver within the test.
  receiver = await startReceiver(0, {});
  receiver.configure(HOOK_PATH, { failFirst: 1_000_000, failStatus: 503 });
  sys = await startSystem({
    site: "oficina",
    gateway: { bindings: { WEBHOOK_ALLOW_LOOPBACK: "1", WEBHOOK_RETRY_BASE_S: "600", WEBHOOK_RETRY_MAX_S: "600" } },
    // Live sessions on, as under `npm start`: punches reach the gateway and its webhooks (docs/events.md §4).
    agentEnv: { ZK_RELAY_LIVE: "1" },
    terminals: {
      principal: {
        transport: "tcp",
        sim: {
          profile: "tft",
          users: 12,
          records: 40,
          templates: 10,
          people: [
            { userId: SEED_USER_ID, name: "Ana Pérez", fingers: [0, 1], days: 3, card: 4242 },
            { userId: "777", name: "Luis Gómez", fingers: [3], days: 1 },
          ],
        },
      },
      entrada: {
        transport: "udp",
        sim: { profile: "zk6", commKey: 1234, users: 6, records: 20, templates: 4, seed: 2, people: [{ userId: SEED_USER_ID, name: "Ana", fingers: [0], days: 1 }] },
      },
    },
  });
  // A registered terminal nobody answers on: the devices page must say it is unreachable.
  await sys.addDevice({ id: "bodega", ip: "127.0.0.1", port: await freePort(), transport: "tcp", password: 0, timeout: 1 });
  ({ principal, entrada } = sys.sims as Record<string, Simulator>);
  // A second site whose agent never connects: offboardings there can only be queued.
  expect((await sys.api.post("/admin/sites", { id: "sucursal", name: "Sucursal" })).status).toBe(201);
  const remota = { id: "remota", ip: "127.0.0.1", port: await freePort(), transport: "tcp", password: 0, timeout: 1, site: "sucursal" };
  expect((await sys.api.post("/devices", remota)).status).toBe(201);
  // The terminals' logs are imported first (docs/events.md §4): the webhook the console creates is for the punches that follow.
  await waitFor("both logs imported", async () => {
    const rows = (await sys.api.get("/events/devices")).body?.data as Array<{ device_id: string; caught_up_at: string | null }> | undefined;
    return ["principal", "entrada"].every((id) => rows?.some((r) => r.device_id === id && r.caught_up_at)) ? true : undefined;
  }, { timeoutMs: 60_000 });
  browser = await launchChromium("es-ES,es;q=0.9");
  browser.page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sys?.close();
  await receiver?.close();
});

const url = (path: string) => `${sys.gateway.url}${path}`;

async function signIn(key: string) {
  const { page } = browser;
  await page.goto(url("/ui"));
  expect(new URL(page.url()).pathname).toBe("/ui/login");
  await page.fill('input[name="key"]', key);
  await page.click('form.login button[type="submit"]');
  await page.waitForURL(/\/ui\/sites$/);
}

describe("admin console in Chromium", () => {
  test("sign in by pasting the admin key: a Secure, HttpOnly, SameSite=Strict cookie on 127.0.0.1", async () => {
    const { page, context } = browser;
    await page.goto(url("/ui/login"));
    await expect(page.locator("h1").textContent()).resolves.toBe("Iniciar sesión");
    await browser.shot("console-01-sign-in");
    await signIn(sys.gateway.adminKey);
    const cookies = await context.cookies(sys.gateway.url);
    const session = cookies.find((c) => c.name === "__Host-zkr_console");
    expect(session).toBeDefined();
    expect(session!.httpOnly).toBe(true);
    expect(session!.secure).toBe(true);
    expect(session!.sameSite).toBe("Strict");
    // HttpOnly: the page's own script context cannot read it, and the key is nowhere in the page.
    expect(await page.evaluate<string>("document.cookie")).not.toContain("zkr_console=");
    expect(await page.content()).not.toContain(sys.gateway.adminKey);
  });

  test("sites: the agent is online", async () => {
    const { page } = browser;
    await page.goto(url("/ui/sites"));
    const row = page.locator('tr[data-site="oficina"]');
    await expect(row.textContent()).resolves.toContain("conectado");
    await browser.shot("console-02-sites");
  });

  test("devices: both simulators reachable, the silent one not", async () => {
    const { page } = browser;
    await page.goto(url("/ui/devices"));
    await expect(page.locator('tr[data-device="principal"] .reach').textContent()).resolves.toBe("alcanzable");
    await expect(page.locator('tr[data-device="entrada"] .reach').textContent()).resolves.toBe("alcanzable");
    await expect(page.locator('tr[data-device="bodega"] .reach').textContent()).resolves.toContain("no alcanzable");
    await browser.shot("console-03-devices");
  });

  test("open the door of a terminal, after a confirmation", async () => {
    const { page } = browser;
    const before = principal.state.unlocks.length;
    await page.click('tr[data-device="principal"] a:has-text("Abrir puerta")');
    await page.waitForURL(/\/actions\/unlock$/);
    expect(principal.state.unlocks.length).toBe(before); // nothing before the confirmation
    await page.click('button.danger[type="submit"]');
    await expect(page.locator(".notice.ok").textContent()).resolves.toBe("Puerta abierta durante 3 segundos.");
    expect(principal.state.unlocks.slice(before).map((u) => u.tenths)).toEqual([30]);
  });

  test("a terminal's users with search", async () => {
    const { page } = browser;
    await page.goto(url("/ui/devices/principal/users"));
    expect(await page.locator("#users tbody tr").count()).toBe(principal.state.users().length);
    await page.fill('input[name="q"]', "luis");
    await page.click('form[role="search"] button');
    await page.waitForURL(/q=luis/);
    expect(await page.locator("#users tbody tr").count()).toBe(1);
    await expect(page.locator('tr[data-user="777"]').textContent()).resolves.toContain("Luis Gómez");
    await browser.shot("console-04-users-search");
  });

  test("delete a user (confirm), then undo puts them back on the terminal", async () => {
    const { page } = browser;
    await page.click('tr[data-user="777"] a[href$="/delete"]');
    await page.waitForURL(/\/users\/777\/delete$/);
    expect(userIds(principal)).toContain("777"); // nothing happens before the confirmation
    await page.click('button.danger[type="submit"]');
    await expect(page.locator(".notice.ok").textContent()).resolves.toBe("Usuario '777' eliminado.");
    expect(userIds(principal)).not.toContain("777");
    await browser.shot("console-05-deleted-undo");
    await page.click('button:has-text("Deshacer")');
    await expect(page.locator(".notice.ok").textContent()).resolves.toBe("Usuario '777' restaurado.");
    expect(userIds(principal)).toContain("777");
    // Fingerprints came back too (the snapshot holds the template of finger 3).
    const uid = principal.state.users().find((u) => u.userId === "777")!.uid;
    expect(principal.state.templates().filter((t) => t.uid === uid).map((t) => t.finger)).toEqual([3]);
  });

  test("person view: enrolled on both terminals; offboarding shows per-device results; undo restores both", async () => {
    const { page } = browser;
    await page.goto(url("/ui/people"));
    await page.fill('input[name="user_id"]', SEED_USER_ID);
    await page.click('form[role="search"] button');
    await page.waitForURL(/\/ui\/people\/123$/);
    await expect(page.locator('#placements tr[data-device="principal"]').textContent()).resolves.toContain("Ana Pérez");
    await expect(page.locator('#placements tr[data-device="entrada"]').textContent()).resolves.toContain("Ana");
    await browser.shot("console-06-person");
    await page.click('button.danger:has-text("Dar de baja")');
    await page.waitForURL(/\/offboard\?/);
    await page.click('button.danger[type="submit"]');
    await expect(page.locator('#results tr[data-device="principal"]').getAttribute("data-status")).resolves.toBe("deleted");
    await expect(page.locator('#results tr[data-device="entrada"]').getAttribute("data-status")).resolves.toBe("deleted");
    expect(userIds(principal)).not.toContain(SEED_USER_ID);
    expect(userIds(entrada)).not.toContain(SEED_USER_ID);
    await browser.shot("console-07-offboarding");
    await page.click('button:has-text("Deshacer")');
    await expect(page.locator('#results tr[data-device="principal"]').getAttribute("data-status")).resolves.toBe("restored");
    await expect(page.locator('#results tr[data-device="entrada"]').getAttribute("data-status")).resolves.toBe("restored");
    expect(userIds(principal)).toContain(SEED_USER_ID);
    expect(userIds(entrada)).toContain(SEED_USER_ID);
  });

  test("an offboarding that includes an away site is queued there; its page shows it; undo calls it off and restores", async () => {
    const { page } = browser;
    await page.goto(url("/ui/people/777"));
    await expect(page.locator('#placements tr[data-device="remota"]').getAttribute("data-status")).resolves.toBe("agent_offline");
    await page.check('input[name="devices"][value="remota"]');
    await page.check('input[name="queue"]');
    await page.click('button.danger:has-text("Dar de baja")');
    await page.waitForURL(/queue=true/);
    await page.click('button.danger[type="submit"]');
    await expect(page.locator('#results tr[data-device="principal"]').getAttribute("data-status")).resolves.toBe("deleted");
    await expect(page.locator('#results tr[data-device="remota"]').getAttribute("data-status")).resolves.toBe("queued");
    await expect(page.locator('.notice.error').textContent()).resolves.toContain("pendiente");
    expect(userIds(principal)).not.toContain("777");
    await page.click('a.button:has-text("Baja off_")');
    await page.waitForURL(/\/ui\/offboardings\/off_[0-9a-f]{32}$/);
    await expect(page.locator('#results tr[data-device="remota"]').getAttribute("data-status")).resolves.toBe("queued");
    await expect(page.locator(".notice.info").first().textContent()).resolves.toContain("cuando vuelva");
    await browser.shot("console-11-offboarding-queued");
    await page.click('button:has-text("Deshacer")');
    await expect(page.locator('#results tr[data-device="principal"]').getAttribute("data-status")).resolves.toBe("restored");
    await expect(page.locator('#results tr[data-device="remota"]').getAttribute("data-status")).resolves.toBe("cancelled");
    expect(userIds(principal)).toContain("777");
  });

  test("disable a user on one terminal without deleting, then enable again", async () => {
    const { page } = browser;
    await page.goto(url(`/ui/people/${SEED_USER_ID}`));
    const row = page.locator('#placements tr[data-device="principal"]');
    await row.locator('button:has-text("Deshabilitar")').click();
    await expect(page.locator(".notice.ok").count()).resolves.toBe(1);
    const where = await sys.api.get(`/users/${SEED_USER_ID}?devices=principal`);
    expect(where.body.data.devices[0]).toMatchObject({ device: "principal", enabled: false });
    expect(userIds(principal)).toContain(SEED_USER_ID); // still there, only unable to use the terminal
    await page.goto(url(`/ui/people/${SEED_USER_ID}`));
    await expect(row.locator(".badge").textContent()).resolves.toBe("deshabilitado");
    await row.locator('button:has-text("Habilitar")').click();
    await expect(page.locator(".notice.ok").count()).resolves.toBe(1);
    const after = await sys.api.get(`/users/${SEED_USER_ID}?devices=principal`);
    expect(after.body.data.devices[0]).toMatchObject({ device: "principal", enabled: true });
  });

  test("deleted users list their snapshots, already restored", async () => {
    const { page } = browser;
    await page.goto(url("/ui/devices/principal/deleted"));
    // 777 was deleted twice on principal (alone, then in the queued offboarding), and restored both times.
    const rows = page.locator('#deleted tr[data-user="777"]');
    expect(await rows.count()).toBe(2);
    for (const row of await rows.all()) {
      await expect(row.textContent()).resolves.toMatch(/\d{4}-\d{2}-\d{2}T.*\d{4}-\d{2}-\d{2}T/);
      expect(await row.locator("button").count()).toBe(0); // restored: no restore button left
    }
  });

  test("audit log filtered by device and user", async () => {
    const { page } = browser;
    await page.goto(url("/ui/audit"));
    await page.fill('input[name="device_id"]', "entrada");
    await page.fill('input[name="user_id"]', SEED_USER_ID);
    await page.click('form.filters button');
    await page.waitForURL(/device_id=entrada/);
    const actions = await page.locator("#audit tbody tr td:nth-child(3)").allTextContents();
    expect(actions).toEqual(expect.arrayContaining(["users.delete", "users.restore"]));
    const devices = await page.locator("#audit tbody tr td:nth-child(4)").allTextContents();
    expect(new Set(devices)).toEqual(new Set(["entrada"]));
    await browser.shot("console-08-audit");
  });

  test("webhooks: create one to the local receiver from the console; the secret is shown once", async () => {
    const { page } = browser;
    await page.goto(url("/ui/webhooks"));
    const form = page.locator("form#create-webhook");
    await form.locator('input[name="url"]').fill(`${receiver.url}${HOOK_PATH}`);
    // attendance comes checked; the sites are left unchecked: every site.
    expect(await form.locator('input[name="events"][value="attendance"]').isChecked()).toBe(true);
    expect(await form.locator('input[name="events"]').count()).toBe(4);
    await form.locator('button[type="submit"]').click();
    await expect(page.locator("h1").textContent()).resolves.toBe("Webhook creado");
    await expect(page.locator(".once .notice").textContent()).resolves.toContain("no se volverá a mostrar");
    webhookSecret = (await page.locator("#new-secret").textContent())!;
    expect(webhookSecret).toMatch(/^whsec_[\w-]{43}$/);
    await browser.shot("console-12-webhook-created");
    const hooks = (await sys.api.get("/admin/webhooks")).body.data as Array<{ id: string; url: string; events: string[]; sites: string[] | null }>;
    const made = hooks.find((h) => h.url === `${receiver.url}${HOOK_PATH}`)!;
    expect(made).toMatchObject({ events: ["attendance"], sites: null });
    webhookId = made.id;
    // The receiver checks the signature with the secret the page showed, and keeps refusing until Retry below.
    receiver.configure(HOOK_PATH, { failFirst: 1_000_000, failStatus: 503, secret: webhookSecret });
    await page.click(`a[href="/ui/webhooks"]:has-text("Volver")`);
    await expect(page.locator(`tr[data-webhook="${webhookId}"]`).count()).resolves.toBe(1);
    expect(await page.content()).not.toContain(webhookSecret);
  });

  test("webhooks: a failed delivery is visible with its HTTP status, and Retry delivers it", async () => {
    const { page } = browser;
    principal.emitAttendance({ userId: SEED_USER_ID });
    // The punch travels agent → gateway → queue → receiver, which refuses it (503).
    await waitFor("a refused delivery attempt", async () => (receiver.received(HOOK_PATH).length > 0 ? true : undefined), { timeoutMs: 30_000 });
    await page.goto(url("/ui/webhooks"));
    const row = page.locator(`tr[data-webhook="${webhookId}"]`);
    await expect(row.locator(".counts").textContent()).resolves.toMatch(/0 entregadas.*1 pendientes/);
    await row.locator("a").click();
    const delivery = page.locator("#deliveries tbody tr").first();
    await expect(delivery.getAttribute("data-status")).resolves.toBe("pending");
    await expect(delivery.textContent()).resolves.toContain("HTTP 503");
    await browser.shot("console-10-webhook-deliveries");
    receiver.configure(HOOK_PATH, { secret: webhookSecret });
    await delivery.locator('button:has-text("Reintentar")').click();
    await page.waitForURL(new RegExp(`/ui/webhooks/${webhookId}$`));
    await waitFor("the retried delivery delivered", async () => {
      await page.reload();
      return (await page.locator("#deliveries tbody tr").first().getAttribute("data-status")) === "delivered" ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });
    expect(receiver.accepted(HOOK_PATH)).toHaveLength(1);
    expect(receiver.accepted(HOOK_PATH)[0]!.verified).toBe(true);
    expect(JSON.parse(receiver.accepted(HOOK_PATH)[0]!.body)).toMatchObject({ type: "attendance", device_id: "principal" });
  });

  test("API keys: create a read key for one site, shown once; listed without it; sign out ends the session", async () => {
    const { page } = browser;
    await page.goto(url("/ui/keys"));
    const form = page.locator("form#create-key");
    await form.locator('input[name="name"]').fill("recepción");
    await form.locator('input[name="role"][value="read"]').check();
    await form.locator('input[name="sites"][value="oficina"]').check();
    await browser.shot("console-13-key-form");
    await form.locator('button[type="submit"]').click();
    await expect(page.locator("h1").textContent()).resolves.toBe("Clave de API creada");
    await expect(page.locator(".once .notice").textContent()).resolves.toContain("Cópiela ahora: no se volverá a mostrar.");
    readKey = (await page.locator("#new-secret").textContent())!;
    expect(readKey).toMatch(/^zkr_key_[\w-]{43}$/);
    expect(new URL(page.url()).pathname).toBe("/ui/keys"); // the answer to the POST: no redirect, nothing in the URL
    await browser.shot("console-14-key-created");
    // The list names the key, never shows it again.
    await page.click(`a[href="/ui/keys"]:has-text("Volver")`);
    const row = page.locator("#keys tbody tr", { hasText: "recepción" });
    await expect(row.textContent()).resolves.toMatch(/recepción\s*read\s*oficina/);
    expect(await page.content()).not.toContain(readKey);
    // Back to the answer page: sent with no-store, the browser does not show it from a cache.
    await page.goBack();
    expect(await page.content()).not.toContain(readKey);
    // …nor sends the form again: one key by that name.
    const names = ((await sys.api.get("/admin/keys")).body.data as Array<{ name: string }>).map((k) => k.name);
    expect(names.filter((n) => n === "recepción")).toHaveLength(1);
    await page.goto(url("/ui/keys"));
    await page.click('form.signout button');
    await page.waitForURL(/\/ui\/login$/);
    await page.goto(url("/ui/sites"));
    expect(new URL(page.url()).pathname).toBe("/ui/login");
  });

  test("a read key for one site, in English: no admin pages, no delete, API refusals shown", async () => {
    const { page } = browser;
    await page.setExtraHTTPHeaders({ "Accept-Language": "en-US,en;q=0.9" });
    await signIn(readKey);
    const nav = await page.locator("nav a").allTextContents();
    expect(nav).toEqual(["Sites", "Devices", "People"]);
    await page.goto(url("/ui/devices/principal/users"));
    expect(await page.locator('a[href$="/delete"]').count()).toBe(0);
    await page.goto(url("/ui/keys"));
    await expect(page.locator('[role="alert"]').textContent()).resolves.toContain("FORBIDDEN");
    await browser.shot("console-09-read-key-en");
  });

  test("no Content-Security-Policy violation on any page", () => {
    expect(cspViolations).toEqual([]);
  });
});
