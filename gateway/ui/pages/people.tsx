// Console pages of a person across terminals: where they are enrolled, offboarding with per-device results, undo.
/** @jsxImportSource hono/jsx */
import type { Hono } from "hono";
import { roleAtLeast } from "../../auth/principal";
import type { ApiFetch } from "../api";
import { ApiError, apiOf, formField, formFields, render, textsOf, type UiContext, type UiEnv } from "../context";
import { Csrf, Notice, PostButton } from "../layout";
import { offboardingPages } from "./offboardings";
import { findPerson, type Placement } from "./person-lookup";
import { ResultsTable, type DeviceResult } from "./results";

const enc = encodeURIComponent;

/** Devices an offboarding can be queued for: their site's agent is away (docs/console.md §1). */
const QUEUEABLE = new Set(["agent_offline"]);

/** The way back to a person's page after an action on them. */
function BackToPerson({ c, userId }: { c: UiContext; userId: string }) {
  return (
    <p>
      <a class="button" href={`/ui/people/${enc(userId)}`}>
        {textsOf(c)("back")}
      </a>
    </p>
  );
}

export function peoplePages(ui: Hono<UiEnv>, apiFetch: ApiFetch): void {
  const api = apiOf(apiFetch);

  ui.get("/people", (c) => {
    const t = textsOf(c);
    const userId = c.req.query("user_id")?.trim();
    if (userId) return c.redirect(`/ui/people/${enc(userId)}`, 303);
    return render(
      c,
      t("people"),
      "people",
      <form method="get" class="filters" role="search">
        <p class="muted">{t("personLead")}</p>
        <label>
          {t("userId")}
          <input type="search" name="user_id" required />
        </label>
        <button type="submit">{t("search")}</button>
      </form>,
    );
  });

  ui.get("/people/:user_id", async (c) => {
    const t = textsOf(c);
    const userId = c.req.param("user_id");
    const found = await findPerson(api(c), userId);
    if ("failure" in found) return render(c, t("person", { user: userId }), "people", <ApiError answer={found.failure} />);
    const enrolled = found.placements.filter((p) => p.user);
    const failed = found.placements.filter((p) => p.error);
    const queueable = failed.filter((p) => p.status !== undefined && QUEUEABLE.has(p.status));
    const write = roleAtLeast(c.get("session").principal.role, "write");
    return render(
      c,
      t("person", { user: userId }),
      "people",
      <>
        <h2>{t("enrolledOn")}</h2>
        <PlacementTable c={c} rows={[...enrolled, ...failed]} userId={userId} write={write} />
        {enrolled.length === 0 && <Notice kind="info">{failed.length > 0 ? t("notEnrolledIncomplete") : t("notEnrolled")}</Notice>}
        {write && enrolled.length + queueable.length > 0 && (
          <form method="get" action={`/ui/people/${enc(userId)}/offboard`}>
            <h2>{t("offboard")}</h2>
            <p class="muted">{t("offboardLead")}</p>
            {enrolled.map((p) => (
              <label class="check">
                <span>
                  <input type="checkbox" name="devices" value={p.device} checked /> {p.device}
                </span>
              </label>
            ))}
            {queueable.map((p) => (
              <label class="check">
                <span>
                  <input type="checkbox" name="devices" value={p.device} /> {p.device} — {p.status}
                </span>
              </label>
            ))}
            {queueable.length > 0 && (
              <label class="check">
                <span>
                  <input type="checkbox" name="queue" value="true" /> {t("queueOffline")}
                </span>
              </label>
            )}
            <p>
              <button type="submit" class="danger">
                {t("offboard")}
              </button>
            </p>
          </form>
        )}
      </>,
    );
  });

  // Step one of an offboarding: the confirmation page, which posts the same choices.
  ui.get("/people/:user_id/offboard", (c) => {
    const t = textsOf(c);
    const userId = c.req.param("user_id");
    const devices = c.req.queries("devices") ?? [];
    const queue = c.req.query("queue") === "true";
    return render(
      c,
      t("offboard"),
      "people",
      <form method="post" action={`/ui/people/${enc(userId)}/offboard`}>
        <Csrf session={c.get("session")} />
        {devices.map((d) => (
          <input type="hidden" name="devices" value={d} />
        ))}
        {queue && <input type="hidden" name="queue" value="true" />}
        <p>
          <strong>{t("confirmDelete", { user: userId, devices: devices.join(", ") })}</strong>
        </p>
        <p class="muted">{t("confirmLead")}</p>
        <div class="row">
          <button type="submit" class="danger">
            {t("confirm")}
          </button>
          <a class="button" href={`/ui/people/${enc(userId)}`}>
            {t("cancel")}
          </a>
        </div>
      </form>,
    );
  });

  ui.post("/people/:user_id/offboard", async (c) => {
    const t = textsOf(c);
    const userId = c.req.param("user_id");
    const devices = await formFields(c, "devices");
    const queue = (await formField(c, "queue")) === "true" ? "&queue=true" : "";
    const res = await api(c)<{ offboarding_id?: string; results: DeviceResult[] }>(
      "DELETE",
      `/users/${enc(userId)}?devices=${devices.map(enc).join(",")}${queue}`,
    );
    // Not final everywhere is 207 OFFBOARDING_INCOMPLETE with the same per-device data: shown, not an error page.
    if (!Array.isArray(res.data?.results)) return render(c, t("offboard"), "people", <ApiError answer={res} />);
    const { results, offboarding_id: id } = res.data;
    const deleted = results.filter((r) => r.status === "deleted").map((r) => r.device);
    return render(
      c,
      `${t("offboard")} · ${userId}`,
      "people",
      <>
        <Notice kind={res.ok ? "ok" : "error"}>{res.ok ? t("allOk") : res.error}</Notice>
        <ResultsTable c={c} results={results} />
        <div class="row">
          {id ? (
            <>
              <form method="post" action={`/ui/offboardings/${enc(id)}/undo`} class="inline">
                <Csrf session={c.get("session")} />
                <button type="submit">{t("undo")}</button>
              </form>
              <a class="button" href={`/ui/offboardings/${enc(id)}`}>
                {t("offboarding", { id })}
              </a>
            </>
          ) : (
            deleted.length > 0 && <UndoEach c={c} userId={userId} devices={deleted} />
          )}
        </div>
      </>,
    );
  });

  // A gateway whose offboardings have no id: undo is one restore per device where the person was deleted.
  ui.post("/people/:user_id/undo", async (c) => {
    const t = textsOf(c);
    const userId = c.req.param("user_id");
    const devices = await formFields(c, "devices");
    const answers = await Promise.all(devices.map((d) => api(c)("POST", `/devices/${enc(d)}/users/${enc(userId)}/restore`)));
    const results: DeviceResult[] = answers.map((a, i) => ({ device: devices[i]!, status: a.ok ? "restored" : "error", error: a.error, code: a.code }));
    const all = answers.every((a) => a.ok);
    return render(
      c,
      `${t("undo")} · ${userId}`,
      "people",
      <>
        <Notice kind={all ? "ok" : "error"}>{all ? t("undone") : t("someFailed")}</Notice>
        <ResultsTable c={c} results={results} />
        <BackToPerson c={c} userId={userId} />
      </>,
    );
  });

  ui.post("/devices/:id/users/:user_id/enabled", async (c) => {
    const t = textsOf(c);
    const id = c.req.param("id");
    const userId = c.req.param("user_id");
    const enabled = (await formField(c, "enabled")) === "true";
    const res = await api(c)("PUT", `/devices/${enc(id)}/users/${enc(userId)}/enabled`, { enabled });
    return render(
      c,
      enabled ? t("enable") : t("disable"),
      "people",
      <>
        {res.ok ? <Notice kind="ok">{String(res.body.message ?? "")}</Notice> : <ApiError answer={res} />}
        <BackToPerson c={c} userId={userId} />
      </>,
    );
  });

  offboardingPages(ui, apiFetch);
}

function UndoEach({ c, userId, devices }: { c: UiContext; userId: string; devices: string[] }) {
  const t = textsOf(c);
  return (
    <form method="post" action={`/ui/people/${enc(userId)}/undo`} class="inline">
      <Csrf session={c.get("session")} />
      {devices.map((d) => (
        <input type="hidden" name="devices" value={d} />
      ))}
      <button type="submit">{t("undo")}</button>
    </form>
  );
}

function PlacementTable({ c, rows, userId, write }: { c: UiContext; rows: Placement[]; userId: string; write: boolean }) {
  const t = textsOf(c);
  return (
    <table id="placements">
      <thead>
        <tr>
          <th>{t("device")}</th>
          <th>{t("name")}</th>
          <th>{t("privilege")}</th>
          <th>{t("card")}</th>
          <th>{t("fingers")}</th>
          <th>{t("status")}</th>
          {write && <th>{t("actions")}</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((p) => (
          <tr data-device={p.device} data-status={p.status ?? "enrolled"}>
            <td>{p.device}</td>
            <td>{p.user?.name ?? ""}</td>
            <td>{p.user?.privilege ?? ""}</td>
            <td>{p.user?.card ?? ""}</td>
            <td>{p.user?.fingers ?? ""}</td>
            <td>
              {p.error ? (
                <span class="badge bad">{p.error}</span>
              ) : (
                <span class={`badge ${p.user?.enabled === false ? "muted" : "good"}`}>{p.user?.enabled === false ? t("disabled") : "ok"}</span>
              )}
            </td>
            {write && (
              <td>
                {/* Enable/disable without deleting, where the gateway reports the state (GET /users/{id}). */}
                {p.user?.enabled !== undefined && (
                  <PostButton
                    session={c.get("session")}
                    action={`/ui/devices/${enc(p.device)}/users/${enc(userId)}/enabled`}
                    label={p.user.enabled ? t("disable") : t("enable")}
                    fields={{ enabled: String(!p.user.enabled) }}
                  />
                )}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
