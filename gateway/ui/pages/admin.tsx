// Console pages for admin keys: the audit log with filters, and API keys (list and revoke).
/** @jsxImportSource hono/jsx */
import type { Hono } from "hono";
import { withQuery, type ApiFetch } from "../api";
import { ApiError, apiOf, render, textsOf, type UiContext, type UiEnv } from "../context";
import { PostButton } from "../layout";

interface AuditRow {
  id: number;
  at: string;
  key_id: string;
  action: string;
  device_id: string | null;
  user_id: string | null;
  status: number;
  result: string;
}

interface KeyRow {
  id: string;
  name: string;
  role: string;
  sites: string[] | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export function adminPages(ui: Hono<UiEnv>, apiFetch: ApiFetch): void {
  const api = apiOf(apiFetch);

  ui.get("/audit", async (c) => {
    const t = textsOf(c);
    const q = { device_id: c.req.query("device_id"), user_id: c.req.query("user_id"), since: c.req.query("since"), cursor: c.req.query("cursor") };
    const res = await api(c)<AuditRow[]>("GET", withQuery("/audit", { ...q, limit: "50" }));
    const next = typeof res.body.next_cursor === "string" ? res.body.next_cursor : null;
    return render(
      c,
      t("audit"),
      "audit",
      <>
        <form method="get" class="filters">
          <label>
            {t("device")}
            <input type="text" name="device_id" value={q.device_id ?? ""} />
          </label>
          <label>
            {t("userId")}
            <input type="text" name="user_id" value={q.user_id ?? ""} />
          </label>
          <label>
            {t("since")}
            <input type="text" name="since" value={q.since ?? ""} placeholder="2026-12-01T00:00:00Z" />
          </label>
          <button type="submit">{t("filter")}</button>
        </form>
        {!res.ok ? (
          <ApiError answer={res} />
        ) : (
          <table id="audit">
            <thead>
              <tr>
                <th>{t("when")}</th>
                <th>{t("key")}</th>
                <th>{t("action")}</th>
                <th>{t("device")}</th>
                <th>{t("userId")}</th>
                <th>{t("result")}</th>
              </tr>
            </thead>
            <tbody>
              {res.data.map((r) => (
                <tr data-audit={String(r.id)}>
                  <td>{r.at}</td>
                  <td>{r.key_id}</td>
                  <td>{r.action}</td>
                  <td>{r.device_id ?? ""}</td>
                  <td>{r.user_id ?? ""}</td>
                  <td>
                    {r.status} {r.result}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {next && (
          <p>
            <a class="button" href={withQuery("/ui/audit", { ...q, cursor: next })}>
              {t("next")}
            </a>
          </p>
        )}
      </>,
    );
  });

  ui.get("/keys", async (c) => {
    const t = textsOf(c);
    const res = await api(c)<KeyRow[]>("GET", "/admin/keys");
    if (!res.ok) return render(c, t("keys"), "keys", <ApiError answer={res} />);
    return render(c, t("keys"), "keys", <KeysTable c={c} keys={res.data} />);
  });

  ui.post("/keys/:id/revoke", async (c) => {
    const t = textsOf(c);
    const res = await api(c)("DELETE", `/admin/keys/${encodeURIComponent(c.req.param("id"))}`);
    if (!res.ok) return render(c, t("keys"), "keys", <ApiError answer={res} />);
    return c.redirect("/ui/keys", 303);
  });
}

function KeysTable({ c, keys }: { c: UiContext; keys: KeyRow[] }) {
  const t = textsOf(c);
  return (
    <>
      <p class="muted">{t("keysLead")}</p>
      <table id="keys">
        <thead>
          <tr>
            <th>{t("key")}</th>
            <th>{t("name")}</th>
            <th>{t("role")}</th>
            <th>{t("sites")}</th>
            <th>{t("created")}</th>
            <th>{t("lastUsed")}</th>
            <th>{t("status")}</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr data-key={k.id}>
              <td>{k.id}</td>
              <td>{k.name}</td>
              <td>{k.role}</td>
              <td>{k.sites === null ? t("allSites") : k.sites.join(", ")}</td>
              <td>{k.created_at}</td>
              <td>{k.last_used_at ?? t("never")}</td>
              <td>
                {k.revoked_at ? (
                  `${t("revoked")} ${k.revoked_at}`
                ) : (
                  <PostButton session={c.get("session")} action={`/ui/keys/${encodeURIComponent(k.id)}/revoke`} label={t("revoke")} danger />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
