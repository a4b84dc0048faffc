// The console's pages act with exactly the signed-in key's role and sites, through the API's own routes.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConsoleClient } from "./console-helpers";
import { AgentFailure, createDevice, createKey, createSite, fakeAgent, json, user, type FakeAgent } from "./helpers";

let agent: FakeAgent;
let siteA: string;
let siteB: string;
let devA: string;
let devB: string;

beforeAll(async () => {
  const a = await createSite();
  const b = await createSite();
  siteA = a.id;
  siteB = b.id;
  devA = await createDevice({ site: siteA });
  devB = await createDevice({ site: siteB });
  const staff = [user("123", "Ana Pérez"), user("124", "Bruno Díaz"), user("900", "Carla Ruiz")];
  agent = await fakeAgent(a, {
    "device.ping": () => ({ time: "2026-12-04 08:00:00" }),
    "users.list": () => ({ users: staff }),
    // GET /users/{id} (where a person is enrolled) asks each device for the one user.
    "users.get": (args: { user_id: string }) => {
      const found = staff.find((u) => u.user_id === args.user_id);
      if (!found) throw new AgentFailure("USER_NOT_FOUND", `user ${args.user_id} not found`);
      return { user: found, fingers: 2, enabled: true };
    },
  });
});

afterAll(() => agent.close());

async function signedIn(key: string, lang = "es"): Promise<ConsoleClient> {
  const c = new ConsoleClient(lang);
  const res = await c.signIn(key);
  if (res.status !== 303) throw new Error(`sign-in: ${res.status}`);
  return c;
}

describe("console pages", () => {
  test("sites: an unscoped admin sees every site with its agent online or offline", async () => {
    const c = await signedIn((await createKey("admin")).key);
    const page = await c.get("/ui/sites");
    expect(page.status).toBe(200);
    const rowA = new RegExp(`data-site="${siteA}"[\\s\\S]*?</tr>`).exec(page.html)![0];
    const rowB = new RegExp(`data-site="${siteB}"[\\s\\S]*?</tr>`).exec(page.html)![0];
    expect(rowA).toContain("conectado");
    expect(rowA).toContain("test-host");
    expect(rowB).toContain("desconectado");
    expect(page.html).toContain('href="/ui/keys"');
    expect(page.html).toContain('href="/ui/audit"');
  });

  test("devices: reachability through the agent, and an offline site's device says why", async () => {
    const c = await signedIn((await createKey("read")).key, "en");
    const page = await c.get("/ui/devices");
    const rowA = new RegExp(`data-device="${devA}"[\\s\\S]*?</tr>`).exec(page.html)![0];
    const rowB = new RegExp(`data-device="${devB}"[\\s\\S]*?</tr>`).exec(page.html)![0];
    expect(rowA).toContain(">reachable<");
    expect(rowB).toContain("unreachable");
    expect(rowB).toContain("AGENT_OFFLINE");
  });

  test("a site-scoped read key sees only its site, no admin pages, and no delete buttons", async () => {
    const c = await signedIn((await createKey("read", [siteA])).key);
    const devices = await c.get("/ui/devices");
    expect(devices.html).toContain(`data-device="${devA}"`);
    expect(devices.html).not.toContain(devB);
    expect(devices.html).not.toContain('href="/ui/keys"');
    expect(devices.html).not.toContain('href="/ui/audit"');
    const users = await c.get(`/ui/devices/${devA}/users`);
    expect(users.html).toContain('data-user="123"');
    expect(users.html).not.toContain("/delete");
    // Typing another site's device or an admin page into the address bar gets the API's own refusal.
    const other = await c.get(`/ui/devices/${devB}/users`);
    expect(other.html).toContain("DEVICE_NOT_FOUND");
    const keys = await c.get("/ui/keys");
    expect(keys.html).toContain("FORBIDDEN");
    expect(keys.html).not.toContain("data-key=");
    // A write through the console is refused by the API for a read key: nothing reaches the agent.
    const before = agent.calls("users.delete").length;
    const del = await c.post(`/ui/devices/${devA}/users/123/delete`, { _csrf: await c.csrf() });
    expect(del.html).toContain("FORBIDDEN");
    expect(agent.calls("users.delete").length).toBe(before);
  });

  test("users: search by user_id or name; a write key gets delete links with a confirmation step", async () => {
    const c = await signedIn((await createKey("write", [siteA])).key);
    const all = await c.get(`/ui/devices/${devA}/users`);
    expect(all.html.match(/data-user=/g)).toHaveLength(3);
    const byName = await c.get(`/ui/devices/${devA}/users?q=bruno`);
    expect(byName.html.match(/data-user=/g)).toHaveLength(1);
    expect(byName.html).toContain('data-user="124"');
    const byId = await c.get(`/ui/devices/${devA}/users?q=90`);
    expect(byId.html).toContain('data-user="900"');
    expect(byId.html).not.toContain('data-user="123"');
    expect(all.html).toContain(`/ui/devices/${devA}/users/123/delete`);
    const confirm = await c.get(`/ui/devices/${devA}/users/123/delete`);
    expect(confirm.html).toContain("¿Eliminar al usuario &#39;123&#39;");
    expect(confirm.html).toContain('method="post"');
  });

  test("person view: where the user is enrolled, and devices that could not answer", async () => {
    const c = await signedIn((await createKey("write")).key);
    const page = await c.get("/ui/people/124");
    const rowA = new RegExp(`id="placements"[\\s\\S]*?data-device="${devA}"[\\s\\S]*?</tr>`).exec(page.html)![0];
    expect(rowA).toContain("Bruno Díaz");
    // The other site's agent is away: its device is listed as not asked.
    expect(page.html).toContain(`data-device="${devB}" data-status="agent_offline"`);
    expect(page.html).toContain(`name="devices" value="${devA}" checked`);
    // GET /users/{id} lists it as agent_offline: it may be picked and queued, never preselected.
    expect(page.html).toMatch(new RegExp(`name="devices" value="${devB}"/>`));
    expect(page.html).toContain('name="queue" value="true"');
  });

  test("audit log with filters, for admin keys", async () => {
    const c = await signedIn((await createKey("admin")).key);
    await json("PUT", `/devices/${devA}`, { body: { name: "Front door" } });
    const page = await c.get(`/ui/audit?device_id=${devA}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("devices.update");
    const none = await c.get(`/ui/audit?device_id=no-such-device`);
    expect(none.html).not.toContain("data-audit=");
  });

  test("webhooks: an unscoped admin sees each subscription and its deliveries; a scoped admin is refused", async () => {
    const made = await json("POST", "/admin/webhooks", { body: { url: "http://127.0.0.1:9/console-test", events: ["attendance"] } });
    expect(made.status).toBe(201);
    const id = made.body.data.id;
    const admin = await signedIn((await createKey("admin")).key);
    const list = await admin.get("/ui/webhooks");
    const row = new RegExp(`data-webhook="${id}"[\\s\\S]*?</tr>`).exec(list.html)![0];
    expect(row).toContain("http://127.0.0.1:9/console-test");
    expect(row).toContain("0 entregadas");
    expect(list.html).not.toContain(made.body.data.secret);
    const deliveries = await admin.get(`/ui/webhooks/${id}?status=dead`);
    expect(deliveries.status).toBe(200);
    expect(deliveries.html).toContain('id="deliveries"');
    const scoped = await signedIn((await createKey("admin", [siteA])).key);
    const refused = await scoped.get("/ui/webhooks");
    expect(refused.html).toContain("FORBIDDEN");
    expect(refused.html).not.toContain('href="/ui/webhooks"');
    // Remove needs the form's token like every change; with it, the subscription is gone.
    expect((await admin.post(`/ui/webhooks/${id}/delete`, {})).status).toBe(403);
    expect((await json("GET", `/admin/webhooks/${id}`)).status).toBe(200);
    expect((await admin.post(`/ui/webhooks/${id}/delete`, { _csrf: await admin.csrf() })).status).toBe(303);
    expect((await json("GET", `/admin/webhooks/${id}`)).status).toBe(404);
  });

  test("an API failure on a page is shown in the page's language, never a crash", async () => {
    agent.handlers["users.list"] = () => {
      throw new AgentFailure("DEVICE_UNREACHABLE", "Connection timeout to device 127.0.0.1:4370", { reason: "timeout" });
    };
    const c = await signedIn((await createKey("read")).key, "en");
    const page = await c.get(`/ui/devices/${devA}/users`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("DEVICE_UNREACHABLE");
    expect(page.html).toContain('role="alert"');
  });
});
