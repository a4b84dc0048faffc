// Webhook delivery on the real Queue consumer: signed POSTs to a receiver on 127.0.0.1, retries with backoff, order per device, dead letter.
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { publishStoredEvents } from "../../gateway/webhooks/publish";
import { createDevice, createSite, json } from "./helpers";
import { configureReceiver, event, hookTo, received, until } from "./webhook-helpers";

const accepted = async (path: string, n: number) =>
  until(`${n} deliveries acknowledged at ${path}`, async () => {
    const got = (await received(path)).filter((r) => r.status < 300);
    return got.length >= n ? got : undefined;
  });

describe("delivery", () => {
  test("each event is one signed JSON POST with its event id; the body is the event; deliveries list shows them delivered", async () => {
    const hook = await hookTo();
    const events = [event("reloj-a", 1), event("reloj-a", 2), event("reloj-a", 3)];
    await publishStoredEvents(env, events);
    const got = await accepted(hook.path, 3);
    expect(got.map((r) => r.eventId)).toEqual(events.map((e) => e.id));
    expect(got.every((r) => r.verified === true)).toBe(true);
    expect(got.map((r) => JSON.parse(r.body))).toEqual(events);
    const list = await json("GET", `/admin/webhooks/${hook.id}/deliveries`);
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(3);
    expect(list.body.data.every((d: { status: string; attempts: number; last_status: number }) => d.status === "delivered" && d.attempts === 1 && d.last_status === 204)).toBe(true);
    const one = await json("GET", `/admin/webhooks/${hook.id}`);
    expect(one.body.data.deliveries).toEqual({ pending: 0, delivered: 3, dead: 0 });
  });

  test("publishing the same event twice delivers it once", async () => {
    const hook = await hookTo();
    const e = event("reloj-dup", 1);
    await publishStoredEvents(env, [e]);
    await publishStoredEvents(env, [e]);
    await accepted(hook.path, 1);
    await publishStoredEvents(env, [event("reloj-dup", 2)]);
    const got = await accepted(hook.path, 2);
    expect(got.filter((r) => r.eventId === e.id)).toHaveLength(1);
  });

  test("only subscribed types and sites are delivered", async () => {
    const site = await createSite();
    const other = await createSite();
    const mine = await createDevice({ site: site.id });
    const theirs = await createDevice({ site: other.id });
    const hook = await hookTo({}, { events: ["attendance"], sites: [site.id] });
    await publishStoredEvents(env, [event(theirs, 1), event(mine, 1, "enrollment"), event(mine, 2)]);
    const got = await accepted(hook.path, 1);
    // A marker on a stream that is delivered after the others proves nothing else is still coming.
    await publishStoredEvents(env, [event(mine, 3)]);
    await accepted(hook.path, 2);
    const all = await received(hook.path);
    expect(all.map((r) => JSON.parse(r.body).device_id)).toEqual([mine, mine]);
    expect(all.map((r) => JSON.parse(r.body).seq)).toEqual([2, 3]);
    expect(got[0]!.verified).toBe(true);
  });
});

describe("retries", () => {
  test("a receiver failing the first 3 attempts gets every event, in order, the failed one repeated with the same event id", async () => {
    const hook = await hookTo({ failFirst: 3, failStatus: 500 });
    const events = [1, 2, 3, 4].map((s) => event("reloj-r", s));
    await publishStoredEvents(env, events.slice(0, 2));
    await publishStoredEvents(env, events.slice(2));
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
    const hook = await hookTo({ failFirst: 1 });
    const a = [1, 2, 3].map((s) => event("reloj-x", s));
    const b = [1, 2, 3].map((s) => event("reloj-y", s));
    await publishStoredEvents(env, [a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, b[2]!]);
    const got = await accepted(hook.path, 6);
    const seqOf = (dev: string) => got.map((r) => JSON.parse(r.body)).filter((e) => e.device_id === dev).map((e) => e.seq);
    expect(seqOf("reloj-x")).toEqual([1, 2, 3]);
    expect(seqOf("reloj-y")).toEqual([1, 2, 3]);
  });

  test("after the retry window a delivery is dead-lettered, listed as dead, and can be retried by hand", async () => {
    const hook = await hookTo({ failFirst: 1_000_000 });
    const e = event("reloj-dead", 1);
    await publishStoredEvents(env, [e]);
    await until("a first failed attempt", async () => ((await received(hook.path)).length >= 1 ? true : undefined));
    // 25 hours pass for this delivery: its window started before the 24 h retry window.
    await env.DB.prepare("UPDATE webhook_deliveries SET window_start = ? WHERE webhook_id = ?")
      .bind(new Date(Date.now() - 25 * 3600_000).toISOString(), hook.id)
      .run();
    const dead = await until("the delivery dead-lettered", async () => {
      const r = await json("GET", `/admin/webhooks/${hook.id}/deliveries?status=dead`);
      return r.body.data.length === 1 ? r.body.data[0] : undefined;
    });
    expect(dead).toMatchObject({ event_id: e.id, status: "dead", last_status: 503 });
    expect(dead.attempts).toBeGreaterThanOrEqual(2);
    expect((await json("GET", `/admin/webhooks/${hook.id}`)).body.data.deliveries).toMatchObject({ dead: 1, pending: 0 });

    await configureReceiver(hook.path, { secret: hook.secret });
    const retried = await json("POST", `/admin/webhooks/${hook.id}/deliveries/${dead.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.data).toMatchObject({ id: dead.id, status: "pending" });
    const ok = await accepted(hook.path, 1);
    expect(ok[0]).toMatchObject({ eventId: e.id, verified: true });
    await until("listed delivered", async () =>
      (await json("GET", `/admin/webhooks/${hook.id}/deliveries?status=delivered`)).body.data.length === 1 ? true : undefined,
    );
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
    const { sweepIdleStreams } = await import("../../gateway/webhooks/sweep");
    expect(await sweepIdleStreams(env)).toBeGreaterThanOrEqual(1);
    const got = await accepted(hook.path, 1);
    expect(got[0]).toMatchObject({ eventId: "evt-lost", body: '{"id":"evt-lost"}', verified: true });
  });
});
