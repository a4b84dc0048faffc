// Webhook delivery on the real Queue consumer: signed POSTs to a receiver on 127.0.0.1, retries with backoff, order per device, dead letter.
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { ingestEvents } from "../../gateway/events/store";
import { publishStoredEvents } from "../../gateway/webhooks/publish";
import { sweepIdleStreams } from "../../gateway/webhooks/sweep";
import { json } from "./helpers";
import { configureReceiver, hookTo, punch, received, siteWithDevices, storeAndPublish, until } from "./webhook-helpers";

const accepted = async (path: string, n: number) =>
  until(`${n} deliveries acknowledged at ${path}`, async () => {
    const got = (await received(path)).filter((r) => r.status < 300);
    return got.length >= n ? got : undefined;
  });

describe("delivery", () => {
  test("each event is one signed JSON POST with its event id; the body is the event as GET /events serves it", async () => {
    const { site, devices } = await siteWithDevices(1);
    const hook = await hookTo();
    const stored = await storeAndPublish(site, [punch(devices[0]!), punch(devices[0]!), punch(devices[0]!)]);
    const got = await accepted(hook.path, 3);
    expect(got.map((r) => r.eventId)).toEqual(stored.map((e) => e.id));
    expect(got.every((r) => r.verified === true)).toBe(true);
    expect(got.map((r) => JSON.parse(r.body))).toEqual(stored);
    const served = (await json("GET", `/events?device_id=${devices[0]}`)).body.data;
    expect(got.map((r) => JSON.parse(r.body))).toEqual(served);
    const list = await json("GET", `/admin/webhooks/${hook.id}/deliveries`);
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(3);
    expect(list.body.data.every((d: { status: string; attempts: number; last_status: number }) => d.status === "delivered" && d.attempts === 1 && d.last_status === 204)).toBe(true);
    const one = await json("GET", `/admin/webhooks/${hook.id}`);
    expect(one.body.data.deliveries).toEqual({ pending: 0, delivered: 3, dead: 0 });
  });

  test("a webhook gets the events stored after it was created, not the ones before", async () => {
    const { site, devices } = await siteWithDevices(1);
    await storeAndPublish(site, [punch(devices[0]!)]);
    const hook = await hookTo();
    const later = await storeAndPublish(site, [punch(devices[0]!)]);
    const got = await accepted(hook.path, 1);
    await publishStoredEvents(env);
    expect((await received(hook.path)).map((r) => r.eventId)).toEqual(later.map((e) => e.id));
    expect(got[0]!.eventId).toBe(later[0]!.id);
  });

  test("events stored but never published (the gateway stopped in between) go out with the next batch, in order, once", async () => {
    const { site, devices } = await siteWithDevices(1);
    const hook = await hookTo();
    const { stored: orphans } = await ingestEvents(env.DB, site, [punch(devices[0]!), punch(devices[0]!)]);
    const next = await storeAndPublish(site, [punch(devices[0]!)]);
    await publishStoredEvents(env, next); // a second publish of the same batch adds nothing
    const got = await accepted(hook.path, 3);
    expect(got.map((r) => r.eventId)).toEqual([...orphans, ...next].map((e) => e.id));
    expect((await json("GET", `/admin/webhooks/${hook.id}`)).body.data.deliveries.delivered).toBe(3);
  });

  test("only subscribed types and sites are delivered", async () => {
    const mine = await siteWithDevices(1);
    const theirs = await siteWithDevices(1);
    const hook = await hookTo({}, { events: ["attendance"], sites: [mine.site] });
    await storeAndPublish(theirs.site, [punch(theirs.devices[0]!)]);
    const enrol = await storeAndPublish(mine.site, [punch(mine.devices[0]!, "enrollment")]);
    const [p2] = await storeAndPublish(mine.site, [punch(mine.devices[0]!)]);
    const [p3] = await storeAndPublish(mine.site, [punch(mine.devices[0]!)]);
    await accepted(hook.path, 2);
    const all = await received(hook.path);
    expect(all.map((r) => r.eventId)).toEqual([p2!.id, p3!.id]);
    expect(enrol).toHaveLength(1);
  });
});

describe("retries", () => {
  test("a receiver failing the first 3 attempts gets every event, in order, the failed one repeated with the same event id", async () => {
    const { site, devices } = await siteWithDevices(1);
    const hook = await hookTo({ failFirst: 3, failStatus: 500 });
    const first = await storeAndPublish(site, [punch(devices[0]!), punch(devices[0]!)]);
    const second = await storeAndPublish(site, [punch(devices[0]!), punch(devices[0]!)]);
    const events = [...first, ...second];
    const got = await accepted(hook.path, 4);
    expect(got.map((r) => r.eventId)).toEqual(events.map((e) => e.id));
    const all = await received(hook.path);
    expect(all.slice(0, 4).map((r) => [r.eventId, r.status, r.attempt])).toEqual([
      [events[0]!.id, 500, 1],
      [events[0]!.id, 500, 2],
      [events[0]!.id, 500, 3],
      [events[0]!.id, 204, 4],
    ]);
    // The backoff is on the queue: the retries were spaced, not a tight loop (1 s base in this config).
    expect(all[1]!.at - all[0]!.at).toBeGreaterThanOrEqual(500);
    const list = (await json("GET", `/admin/webhooks/${hook.id}/deliveries`)).body.data as Array<{ event_id: string; attempts: number; status: string }>;
    expect(list.find((d) => d.event_id === events[0]!.id)).toMatchObject({ attempts: 4, status: "delivered" });
  });

  test("order holds per device while another device's stream goes on", async () => {
    const { site, devices } = await siteWithDevices(2);
    const [x, y] = devices as [string, string];
    const hook = await hookTo({ failFirst: 1 });
    await storeAndPublish(site, [punch(x), punch(y), punch(x), punch(y), punch(x), punch(y)]);
    const got = await accepted(hook.path, 6);
    const seqOf = (dev: string) => got.map((r) => JSON.parse(r.body)).filter((e) => e.device_id === dev).map((e) => e.seq);
    expect(seqOf(x)).toEqual([1, 2, 3]);
    expect(seqOf(y)).toEqual([1, 2, 3]);
  });

  test("after the retry window a delivery is dead-lettered, listed as dead, and can be retried by hand (audited)", async () => {
    const { site, devices } = await siteWithDevices(1);
    const hook = await hookTo({ failFirst: 1_000_000 });
    const [e] = await storeAndPublish(site, [punch(devices[0]!)]);
    await until("a first failed attempt", async () => ((await received(hook.path)).length >= 1 ? true : undefined));
    // 25 hours pass for this delivery: its window started before the 24 h retry window.
    await env.DB.prepare("UPDATE webhook_deliveries SET window_start = ? WHERE webhook_id = ?")
      .bind(new Date(Date.now() - 25 * 3600_000).toISOString(), hook.id)
      .run();
    const dead = await until("the delivery dead-lettered", async () => {
      const r = await json("GET", `/admin/webhooks/${hook.id}/deliveries?status=dead`);
      return r.body.data.length === 1 ? r.body.data[0] : undefined;
    });
    expect(dead).toMatchObject({ event_id: e!.id, status: "dead", last_status: 503 });
    expect(dead.attempts).toBeGreaterThanOrEqual(2);
    expect((await json("GET", `/admin/webhooks/${hook.id}`)).body.data.deliveries).toMatchObject({ dead: 1, pending: 0 });

    await configureReceiver(hook.path, { secret: hook.secret });
    const retried = await json("POST", `/admin/webhooks/${hook.id}/deliveries/${dead.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.data).toMatchObject({ id: dead.id, status: "pending" });
    const ok = await accepted(hook.path, 1);
    expect(ok[0]).toMatchObject({ eventId: e!.id, verified: true });
    await until("listed delivered", async () =>
      (await json("GET", `/admin/webhooks/${hook.id}/deliveries?status=delivered`)).body.data.length === 1 ? true : undefined,
    );
    const audit = await env.DB.prepare("SELECT status, device_id, detail FROM audit_log WHERE action = 'webhooks.retry' AND path LIKE ?")
      .bind(`/admin/webhooks/${hook.id}/%`)
      .first<{ status: number; device_id: string; detail: string }>();
    expect(audit).toMatchObject({ status: 200, device_id: devices[0] });
    expect(JSON.parse(audit!.detail)).toMatchObject({ delivery_id: dead.id, event_id: e!.id });
  });

  test("a stream whose queue message was lost is woken by the sweep (the gateway restarted mid-backoff)", async () => {
    const hook = await hookTo();
    // Deliveries written as publish writes them, but no message sent: what a crash between the two leaves.
    await env.DB.prepare(
      "INSERT INTO webhook_deliveries (id, webhook_id, event_id, device_id, seq, event_type, payload, window_start, created_at)" +
        " VALUES ('dlv_00000000000000000001', ?, 'evt-lost', 'reloj-lost', 1, 'attendance', '{\"id\":\"evt-lost\"}', ?, ?)",
    )
      .bind(hook.id, new Date().toISOString(), new Date().toISOString())
      .run();
    await env.DB.prepare("INSERT INTO webhook_streams (webhook_id, device_id, version) VALUES (?, 'reloj-lost', 1)").bind(hook.id).run();
    expect(await sweepIdleStreams(env)).toBeGreaterThanOrEqual(1);
    const got = await accepted(hook.path, 1);
    expect(got[0]).toMatchObject({ eventId: "evt-lost", body: '{"id":"evt-lost"}', verified: true });
  });
});
