// Console pages of one terminal's users: search, delete (confirm, then undo), deleted users and restore.
/** @jsxImportSource hono/jsx */
import type { Hono } from "hono";
import { roleAtLeast } from "../../auth/principal";
import type { ApiFetch } from "../api";
import { ApiError, apiOf, formField, render, textsOf, type UiContext, type UiEnv } from "../context";
import { Csrf, Notice, PostButton } from "../layout";

interface User {
  uid: number;
  user_id: string;
  name: string;
  privilege: number;
  card: number;
  group_id: string;
}

interface Deleted {
  snapshot_id: number;
  user_id: string;
  name: string;
  fingers: number;
  deleted_at: string;
  deleted_by: string;
  restored_at: string | null;
}

const enc = encodeURIComponent;
const canWrite = (c: UiContext) => roleAtLeast(c.get("session").principal.role, "write");

/** The text search of the users page: user_id or name contains the query, case-insensitive. */
export function matchesQuery(u: { user_id: string; name: string }, q: string): boolean {
  const needle = q.trim().toLowerCase();
  return needle === "" || u.user_id.toLowerCase().includes(needle) || u.name.toLowerCase().includes(needle);
}

export function userPages(ui: Hono<UiEnv>, apiFetch: ApiFetch): void {
  const api = apiOf(apiFetch);

  ui.get("/devices/:id/users", async (c) => {
    const t = textsOf(c);
    const id = c.req.param("id");
    const q = c.req.query("q") ?? "";
    const title = t("usersOf", { device: id });
    const res = await api(c)<User[]>("GET", `/devices/${enc(id)}/users`);
    if (!res.ok) return render(c, title, "devices", <ApiError answer={res} />);
    const shown = res.data.filter((u) => matchesQuery(u, q));
    return render(
      c,
      title,
      "devices",
      <>
        <form method="get" class="filters" role="search">
          <label>
            {t("search")}
            <input type="search" name="q" value={q} placeholder={t("searchHint")} />
          </label>
          <button type="submit">{t("search")}</button>
          <span class="muted">{t("countShown", { shown: shown.length, total: res.data.length })}</span>
        </form>
        <table id="users">
          <thead>
            <tr>
              <th>{t("userId")}</th>
              <th>{t("name")}</th>
              <th>{t("privilege")}</th>
              <th>{t("card")}</th>
              <th>{t("actions")}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((u) => (
              <tr data-user={u.user_id}>
                <td>{u.user_id}</td>
                <td>{u.name}</td>
                <td>{u.privilege}</td>
                <td>{u.card}</td>
                <td>
                  <a href={`/ui/people/${enc(u.user_id)}`}>{t("view")}</a>
                  {canWrite(c) && (
                    <>
                      {" · "}
                      <a href={`/ui/devices/${enc(id)}/users/${enc(u.user_id)}/delete`}>{t("del")}</a>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.length === 0 && <Notice kind="info">{t("noneFound")}</Notice>}
      </>,
    );
  });

  // Step one of a delete: a confirmation page (no script needed for a confirm dialog).
  ui.get("/devices/:id/users/:user_id/delete", (c) => {
    const t = textsOf(c);
    const id = c.req.param("id");
    const userId = c.req.param("user_id");
    const back = `/ui/devices/${enc(id)}/users`;
    return render(
      c,
      t("del"),
      "devices",
      <form method="post" action={`/ui/devices/${enc(id)}/users/${enc(userId)}/delete`}>
        <Csrf session={c.get("session")} />
        <p>
          <strong>{t("confirmDelete", { user: userId, devices: id })}</strong>
        </p>
        <p class="muted">{t("confirmLead")}</p>
        <div class="row">
          <button type="submit" class="danger">
            {t("confirm")}
          </button>
          <a class="button" href={back}>
            {t("cancel")}
          </a>
        </div>
      </form>,
    );
  });

  ui.post("/devices/:id/users/:user_id/delete", async (c) => {
    const t = textsOf(c);
    const id = c.req.param("id");
    const userId = c.req.param("user_id");
    const res = await api(c)("DELETE", `/devices/${enc(id)}/users/${enc(userId)}`);
    const session = c.get("session");
    return render(
      c,
      t("del"),
      "devices",
      <>
        {res.ok ? <Notice kind="ok">{String(res.body.message ?? "")}</Notice> : <ApiError answer={res} />}
        <div class="row">
          {res.ok && <PostButton session={session} action={`/ui/devices/${enc(id)}/users/${enc(userId)}/restore`} label={t("undo")} />}
          <a class="button" href={`/ui/devices/${enc(id)}/users`}>
            {t("back")}
          </a>
        </div>
      </>,
    );
  });

  ui.post("/devices/:id/users/:user_id/restore", async (c) => {
    const t = textsOf(c);
    const id = c.req.param("id");
    const userId = c.req.param("user_id");
    const snapshot = await formField(c, "snapshot_id");
    const body = /^\d+$/.test(snapshot) ? { snapshot_id: Number(snapshot) } : undefined;
    const res = await api(c)("POST", `/devices/${enc(id)}/users/${enc(userId)}/restore`, body);
    return render(
      c,
      t("restore"),
      "devices",
      <>
        {res.ok ? <Notice kind="ok">{String(res.body.message ?? t("undone"))}</Notice> : <ApiError answer={res} />}
        <div class="row">
          <a class="button" href={`/ui/devices/${enc(id)}/users?q=${enc(userId)}`}>
            {t("users")}
          </a>
          <a class="button" href={`/ui/devices/${enc(id)}/deleted`}>
            {t("deletedUsers")}
          </a>
        </div>
      </>,
    );
  });

  ui.get("/devices/:id/deleted", async (c) => {
    const t = textsOf(c);
    const id = c.req.param("id");
    const title = `${t("deletedUsers")} · ${id}`;
    const res = await api(c)<Deleted[]>("GET", `/devices/${enc(id)}/deleted-users`);
    if (!res.ok) return render(c, title, "devices", <ApiError answer={res} />);
    return render(
      c,
      title,
      "devices",
      <>
        <table id="deleted">
          <thead>
            <tr>
              <th>{t("userId")}</th>
              <th>{t("name")}</th>
              <th>{t("fingers")}</th>
              <th>{t("deletedAt")}</th>
              <th>{t("deletedBy")}</th>
              <th>{t("restoredAt")}</th>
            </tr>
          </thead>
          <tbody>
            {res.data.map((d) => (
              <tr data-snapshot={String(d.snapshot_id)} data-user={d.user_id}>
                <td>{d.user_id}</td>
                <td>{d.name}</td>
                <td>{d.fingers}</td>
                <td>{d.deleted_at}</td>
                <td>{d.deleted_by}</td>
                <td>
                  {d.restored_at ??
                    (canWrite(c) ? (
                      <PostButton
                        session={c.get("session")}
                        action={`/ui/devices/${enc(id)}/users/${enc(d.user_id)}/restore`}
                        label={t("restore")}
                        fields={{ snapshot_id: String(d.snapshot_id) }}
                      />
                    ) : (
                      ""
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {res.data.length === 0 && <Notice kind="info">{t("noneFound")}</Notice>}
      </>,
    );
  });
}
