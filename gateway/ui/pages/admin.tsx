// Console pages for admin keys: the audit log with filters, and API keys (create, list, revoke).
/** @jsxImportSource hono/jsx */
import type { Hono } from "hono";
import { ROLES } from "../../auth/principal";
import { withQuery, type ApiAnswer, type ApiFetch } from "../api";
import { ApiError, apiOf, formField, formFields, render, textsOf, type UiContext, type UiEnv } from "../context";
import { Csrf, PostButton } from "../layout";
import type { UiKey } from "../messages";
import { cleanList, CreatedFacts, FormError, OneTimeSecret, SiteChecks, statusOf, type SiteChoice } from "./forms";

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

  /** The keys page: the create form (for keys the API lets list keys) above the list; `failed` re-renders a refused form. */
  async function keysPage(c: UiContext, form: KeyForm, failed?: ApiAnswer) {
    const t = textsOf(c);
    const res = await api(c)<KeyRow[]>("GET", "/admin/keys");
    const status = failed ? statusOf(failed) : 200;
    // The list is the role check: a key the API will not show keys to gets neither the list nor the form.
    if (!res.ok) return render(c, t("keys"), "keys", <ApiError answer={failed ?? res} />, failed ? status : 200);
    const sites = await api(c)<SiteChoice[]>("GET", "/admin/sites");
    return render(
      c,
      t("keys"),
      "keys",
      <>
        <CreateKeyForm c={c} form={form} sites={sites.ok ? sites.data : []} failed={failed} />
        <KeysTable c={c} keys={res.data} />
      </>,
      status,
    );
  }

  ui.get("/keys", (c) => keysPage(c, { name: "", role: "read", sites: [] }));

  // docs/console.md §7: the new key is shown once, in the answer to this POST; never redirected, never stored.
  ui.post("/keys", async (c) => {
    const t = textsOf(c);
    const form: KeyForm = { name: (await formField(c, "name")).trim(), role: await formField(c, "role"), sites: cleanList(await formFields(c, "sites")) };
    const body: Record<string, unknown> = { name: form.name, role: form.role };
    if (form.sites.length > 0) body.sites = form.sites;
    const res = await api(c)<{ id: string; name: string; role: string; sites: string[] | null; key: string }>("POST", "/admin/keys", body);
    if (!res.ok) return keysPage(c, form, res);
    c.header("Cache-Control", "no-store");
    const k = res.data;
    return render(
      c,
      t("keyCreated"),
      "keys",
      <>
        <OneTimeSecret label={t("apiKey")} value={k.key} warning={t("keyShownOnce")} />
        <CreatedFacts
          rows={[
            [t("key"), k.id],
            [t("name"), k.name],
            [t("role"), k.role],
            [t("sites"), k.sites === null ? t("allSites") : k.sites.join(", ")],
          ]}
        />
        <p>
          <a class="button" href="/ui/keys">
            {t("backToKeys")}
          </a>
        </p>
      </>,
    );
  });

  ui.post("/keys/:id/revoke", async (c) => {
    const t = textsOf(c);
    const res = await api(c)("DELETE", `/admin/keys/${encodeURIComponent(c.req.param("id"))}`);
    if (!res.ok) return render(c, t("keys"), "keys", <ApiError answer={res} />, statusOf(res));
    return c.redirect("/ui/keys", 303);
  });
}

interface KeyForm {
  name: string;
  role: string;
  sites: string[];
}

const ROLE_HINT: Record<(typeof ROLES)[number], UiKey> = { read: "roleRead", write: "roleWrite", admin: "roleAdmin" };

function CreateKeyForm({ c, form, sites, failed }: { c: UiContext; form: KeyForm; sites: SiteChoice[]; failed?: ApiAnswer }) {
  const t = textsOf(c);
  return (
    <form method="post" action="/ui/keys" class="create" id="create-key" autocomplete="off">
      <h2>{t("newKey")}</h2>
      {failed && <FormError c={c} answer={failed} labels={{ name: t("name"), role: t("role"), sites: t("sites") }} />}
      <Csrf session={c.get("session")} />
      <label>
        {t("name")}
        <input type="text" name="name" value={form.name} maxlength={100} required spellcheck={false} />
      </label>
      <fieldset>
        <legend>{t("role")}</legend>
        {ROLES.map((r) => (
          <label class="check">
            <input type="radio" name="role" value={r} checked={form.role === r} />
            {`${r} — ${t(ROLE_HINT[r])}`}
          </label>
        ))}
      </fieldset>
      <SiteChecks c={c} sites={sites} checked={form.sites} />
      <p>
        <button type="submit">{t("createKey")}</button>
      </p>
    </form>
  );
}

function KeysTable({ c, keys }: { c: UiContext; keys: KeyRow[] }) {
  const t = textsOf(c);
  return (
    <>
      <h2>{t("existingKeys")}</h2>
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
