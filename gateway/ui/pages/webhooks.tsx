// Console pages of webhooks (unscoped admin): subscriptions with delivery counts, their deliveries, retry, remove.
/** @jsxImportSource hono/jsx */
import type { Hono } from "hono";
import { withQuery, type ApiFetch } from "../api";
import { ApiError, apiOf, render, textsOf, type UiEnv } from "../context";
import { Notice, PostButton } from "../layout";

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

export function webhookPages(ui: Hono<UiEnv>, apiFetch: ApiFetch): void {
  const api = apiOf(apiFetch);

  ui.get("/webhooks", async (c) => {
    const t = textsOf(c);
    const res = await api(c)<Webhook[]>("GET", "/admin/webhooks");
    // A gateway without the webhooks API (an older deployment) says so instead of showing an error.
    if (res.code === "NOT_FOUND" || res.code === "METHOD_NOT_ALLOWED") return render(c, t("webhooks"), "webhooks", <Notice kind="info">{t("notAvailable")}</Notice>);
    if (!res.ok) return render(c, t("webhooks"), "webhooks", <ApiError answer={res} />);
    return render(
      c,
      t("webhooks"),
      "webhooks",
      <>
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
    if (!res.ok) return render(c, t("webhooks"), "webhooks", <ApiError answer={res} />);
    return c.redirect(`/ui/webhooks/${enc(id)}`, 303);
  });

  ui.post("/webhooks/:id/delete", async (c) => {
    const t = textsOf(c);
    const res = await api(c)("DELETE", `/admin/webhooks/${enc(c.req.param("id"))}`);
    if (!res.ok) return render(c, t("webhooks"), "webhooks", <ApiError answer={res} />);
    return c.redirect("/ui/webhooks", 303);
  });
}
