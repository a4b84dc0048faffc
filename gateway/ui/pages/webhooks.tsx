// Console pages of webhooks (unscoped admin): create, subscriptions with delivery counts, their deliveries, retry, remove.
/** @jsxImportSource hono/jsx */
import type { Hono } from "hono";
import { WEBHOOK_EVENT_TYPES } from "../../webhooks/schemas";
import { withQuery, type ApiAnswer, type ApiFetch } from "../api";
import { ApiError, apiOf, formField, formFields, render, textsOf, type UiContext, type UiEnv } from "../context";
import { Csrf, Notice, PostButton } from "../layout";
import type { UiKey } from "../messages";
import { cleanList, CreatedFacts, FormError, OneTimeSecret, SiteChecks, statusOf, type SiteChoice } from "./forms";

interface Webhook {
  id: string;
  url: string;
  events: string[];
  sites: string[] | null;
  created_at: string;
  deliveries: { pending: number; delivered: number; dead: number };
}

interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  device_id: string;
  seq: number;
  status: "pending" | "delivered" | "dead";
  attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
}

const enc = encodeURIComponent;
const BADGE = { delivered: "good", pending: "muted", dead: "bad" } as const;
const STATUS_KEY = { delivered: "stDelivered", pending: "stPending", dead: "stDead" } as const;
const EVENT_HINT: Record<(typeof WEBHOOK_EVENT_TYPES)[number], UiKey> = {
  attendance: "evAttendance",
  enrollment: "evEnrollment",
  door: "evDoor",
  alarm: "evAlarm",
};

interface WebhookForm {
  url: string;
  events: string[];
  sites: string[];
}

/** The create form; its event types are the API's own list (docs/webhooks.md §1). */
function CreateWebhookForm({ c, form, sites, failed }: { c: UiContext; form: WebhookForm; sites: SiteChoice[]; failed?: ApiAnswer }) {
  const t = textsOf(c);
  return (
    <form method="post" action="/ui/webhooks" class="create" id="create-webhook" autocomplete="off">
      <h2>{t("newWebhook")}</h2>
      {failed && <FormError c={c} answer={failed} labels={{ url: t("url"), events: t("events"), sites: t("sites") }} />}
      <Csrf session={c.get("session")} />
      <label>
        {t("url")}
        <input type="text" name="url" value={form.url} maxlength={2048} required spellcheck={false} inputmode="url" placeholder="https://" />
      </label>
      <p class="muted">{t("urlHint")}</p>
      <fieldset>
        <legend>{t("events")}</legend>
        {WEBHOOK_EVENT_TYPES.map((e) => (
          <label class="check">
            <input type="checkbox" name="events" value={e} checked={form.events.includes(e)} />
            {`${e} — ${t(EVENT_HINT[e])}`}
          </label>
        ))}
      </fieldset>
      <SiteChecks c={c} sites={sites} checked={form.sites} />
      <p>
        <button type="submit">{t("createWebhook")}</button>
      </p>
    </form>
  );
}

export function webhookPages(ui: Hono<UiEnv>, apiFetch: ApiFetch): void {
  const api = apiOf(apiFetch);

  /** The webhooks page: the create form (for keys the API lets list webhooks) above the list; `failed` re-renders a refused form. */
  async function webhooksPage(c: UiContext, form: WebhookForm, failed?: ApiAnswer) {
    const t = textsOf(c);
    const res = await api(c)<Webhook[]>("GET", "/admin/webhooks");
    const status = failed ? statusOf(failed) : 200;
    // A gateway without the webhooks API (an older deployment) says so instead of showing an error.
    if (res.code === "NOT_FOUND" || res.code === "METHOD_NOT_ALLOWED") return render(c, t("webhooks"), "webhooks", <Notice kind="info">{t("notAvailable")}</Notice>);
    // The list is the role check: a key the API will not show webhooks to gets neither the list nor the form.
    if (!res.ok) return render(c, t("webhooks"), "webhooks", <ApiError answer={failed ?? res} />, failed ? status : 200);
    const sites = await api(c)<SiteChoice[]>("GET", "/admin/sites");
    return render(
      c,
      t("webhooks"),
      "webhooks",
      <>
        <CreateWebhookForm c={c} form={form} sites={sites.ok ? sites.data : []} failed={failed} />
        <h2>{t("existingWebhooks")}</h2>
        <p class="muted">{t("webhooksLead")}</p>
        <table id="webhooks">
          <thead>
            <tr>
              <th>{t("url")}</th>
              <th>{t("events")}</th>
              <th>{t("sites")}</th>
              <th>{t("deliveries")}</th>
              <th>{t("actions")}</th>
            </tr>
          </thead>
          <tbody>
            {res.data.map((w) => (
              <tr data-webhook={w.id}>
                <td>
                  <a href={`/ui/webhooks/${enc(w.id)}`}>{w.url}</a>
                </td>
                <td>{w.events.join(", ")}</td>
                <td>{w.sites === null ? t("allSites") : w.sites.join(", ")}</td>
                <td class="counts">
                  <span class="badge good">{`${w.deliveries.delivered} ${t("delivered")}`}</span>{" "}
                  <span class="badge muted">{`${w.deliveries.pending} ${t("pending")}`}</span>{" "}
                  <span class="badge bad">{`${w.deliveries.dead} ${t("dead")}`}</span>
                </td>
                <td>
                  <PostButton session={c.get("session")} action={`/ui/webhooks/${enc(w.id)}/delete`} label={t("remove")} danger />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {res.data.length === 0 && <Notice kind="info">{t("noneFound")}</Notice>}
      </>,
      status,
    );
  }

  ui.get("/webhooks", (c) => webhooksPage(c, { url: "", events: ["attendance"], sites: [] }));

  // docs/console.md §7: the signing secret is shown once, in the answer to this POST; never redirected, never stored.
  ui.post("/webhooks", async (c) => {
    const t = textsOf(c);
    const form: WebhookForm = {
      url: (await formField(c, "url")).trim(),
      events: cleanList(await formFields(c, "events")),
      sites: cleanList(await formFields(c, "sites")),
    };
    const body: Record<string, unknown> = { url: form.url, events: form.events };
    if (form.sites.length > 0) body.sites = form.sites;
    const res = await api(c)<{ id: string; url: string; events: string[]; sites: string[] | null; secret: string }>("POST", "/admin/webhooks", body);
    if (!res.ok) return webhooksPage(c, form, res);
    c.header("Cache-Control", "no-store");
    const w = res.data;
    return render(
      c,
      t("webhookCreated"),
      "webhooks",
      <>
        <OneTimeSecret label={t("signingSecret")} value={w.secret} warning={t("secretShownOnce")} />
        <CreatedFacts
          rows={[
            [t("url"), w.url],
            [t("events"), w.events.join(", ")],
            [t("sites"), w.sites === null ? t("allSites") : w.sites.join(", ")],
          ]}
        />
        <p class="row">
          <a class="button" href={`/ui/webhooks/${enc(w.id)}`}>
            {t("deliveries")}
          </a>
          <a class="button" href="/ui/webhooks">
            {t("backToWebhooks")}
          </a>
        </p>
      </>,
    );
  });

  ui.get("/webhooks/:id", async (c) => {
    const t = textsOf(c);
    const id = c.req.param("id");
    const status = c.req.query("status");
    const cursor = c.req.query("cursor");
    const hook = await api(c)<Webhook>("GET", `/admin/webhooks/${enc(id)}`);
    if (!hook.ok) return render(c, t("webhooks"), "webhooks", <ApiError answer={hook} />);
    const res = await api(c)<Delivery[]>("GET", withQuery(`/admin/webhooks/${enc(id)}/deliveries`, { status, cursor, limit: "50" }));
    const next = typeof res.body.next_cursor === "string" ? res.body.next_cursor : null;
    return render(
      c,
      `${t("deliveries")} · ${hook.data.url}`,
      "webhooks",
      <>
        <form method="get" class="filters">
          <label>
            {t("status")}
            <select name="status">
              <option value="">—</option>
              {(["pending", "delivered", "dead"] as const).map((s) => (
                <option value={s} selected={s === status}>
                  {t(STATUS_KEY[s])}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">{t("filter")}</button>
        </form>
        {!res.ok ? (
          <ApiError answer={res} />
        ) : (
          <table id="deliveries">
            <thead>
              <tr>
                <th>{t("device")}</th>
                <th>{t("events")}</th>
                <th>{t("status")}</th>
                <th>{t("attempts")}</th>
                <th>{t("lastAttempt")}</th>
                <th>{t("actions")}</th>
              </tr>
            </thead>
            <tbody>
              {res.data.map((d) => (
                <tr data-delivery={d.id} data-status={d.status}>
                  <td>
                    {d.device_id} #{d.seq}
                  </td>
                  <td>
                    {d.event_type} <code>{d.event_id}</code>
                  </td>
                  <td>
                    <span class={`badge ${BADGE[d.status]}`}>{t(STATUS_KEY[d.status])}</span>
                  </td>
                  <td>{d.attempts}</td>
                  <td>
                    {d.last_attempt_at ?? ""} {d.last_status !== null ? `HTTP ${d.last_status}` : ""}{" "}
                    {d.last_error && d.last_error !== `HTTP ${d.last_status}` ? d.last_error : ""}
                  </td>
                  <td>
                    {d.status !== "delivered" && (
                      <PostButton session={c.get("session")} action={`/ui/webhooks/${enc(id)}/deliveries/${enc(d.id)}/retry`} label={t("retry")} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {next && (
          <p>
            <a class="button" href={withQuery(`/ui/webhooks/${enc(id)}`, { status, cursor: next })}>
              {t("next")}
            </a>
          </p>
        )}
      </>,
    );
  });

  ui.post("/webhooks/:id/deliveries/:delivery_id/retry", async (c) => {
    const t = textsOf(c);
    const id = c.req.param("id");
    const res = await api(c)("POST", `/admin/webhooks/${enc(id)}/deliveries/${enc(c.req.param("delivery_id"))}/retry`);
    if (!res.ok) return render(c, t("webhooks"), "webhooks", <ApiError answer={res} />, statusOf(res));
    return c.redirect(`/ui/webhooks/${enc(id)}`, 303);
  });

  ui.post("/webhooks/:id/delete", async (c) => {
    const t = textsOf(c);
    const res = await api(c)("DELETE", `/admin/webhooks/${enc(c.req.param("id"))}`);
    if (!res.ok) return render(c, t("webhooks"), "webhooks", <ApiError answer={res} />, statusOf(res));
    return c.redirect("/ui/webhooks", 303);
  });
}
