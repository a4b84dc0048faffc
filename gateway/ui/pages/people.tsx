// Console pages of a person across terminals: where they are enrolled, offboarding with per-device results, undo.
/** @jsxImportSource hono/jsx */
import type { Hono } from "hono";
import { roleAtLeast } from "../../auth/principal";
import type { ApiFetch } from "../api";
import { ApiError, apiOf, formFields, render, textsOf, type UiContext, type UiEnv } from "../context";
import { Csrf, Notice } from "../layout";
import { findPerson, type Placement } from "./person-lookup";

const enc = encodeURIComponent;

interface OffboardResult {
  device: string;
  status: string;
  error?: string;
  code?: string;
}

function ResultsTable({ c, results, label }: { c: UiContext; results: OffboardResult[]; label: string }) {
  const t = textsOf(c);
  return (
    <table id="results" aria-label={label}>
      <thead>
        <tr>
          <th>{t("device")}</th>
          <th>{t("status")}</th>
          <th>{t("detail")}</th>
        </tr>
      </thead>
      <tbody>
        {results.map((r) => (
          <tr data-device={r.device} data-status={r.status}>
            <td>{r.device}</td>
            <td>
              <span class={`badge ${["deleted", "restored", "not_found"].includes(r.status) ? "good" : "bad"}`}>{r.status}</span>
            </td>
            <td>{r.error ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The undo form after an offboarding: restores the devices where the person was deleted. */
function UndoForm({ c, userId, devices }: { c: UiContext; userId: string; devices: string[] }) {
  const t = textsOf(c);
  return (
    <form method="post" action={`/ui/people/${enc(userId)}/undo`} class="row">
      <Csrf session={c.get("session")} />
      {devices.map((d) => (
        <input type="hidden" name="devices" value={d} />
      ))}
      <button type="submit">{t("undo")}</button>
    </form>
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
    const found = await findPerson(c, api(c), userId);
    if ("failure" in found) return render(c, t("person", { user: userId }), "people", <ApiError answer={found.failure} />);
    const enrolled = found.placements.filter((p) => p.user);
    const failed = found.placements.filter((p) => p.error);
    const write = roleAtLeast(c.get("session").principal.role, "write");
    return render(
      c,
      t("person", { user: userId }),
      "people",
      <>
        <h2>{t("enrolledOn")}</h2>
        <PlacementTable c={c} rows={[...enrolled, ...failed]} />
        {enrolled.length === 0 && <Notice kind="info">{t("notEnrolled")}</Notice>}
        {write && enrolled.length > 0 && (
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

  ui.get("/people/:user_id/offboard", (c) => {
    const t = textsOf(c);
    const userId = c.req.param("user_id");
    const devices = c.req.queries("devices") ?? [];
    return render(
      c,
      t("offboard"),
      "people",
      <form method="post" action={`/ui/people/${enc(userId)}/offboard`}>
        <Csrf session={c.get("session")} />
        {devices.map((d) => (
          <input type="hidden" name="devices" value={d} />
        ))}
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
    const res = await api(c)<{ results: OffboardResult[] }>("DELETE", `/users/${enc(userId)}?devices=${devices.map(enc).join(",")}`);
    if (!res.ok) return render(c, t("offboard"), "people", <ApiError answer={res} />);
    const results = res.data.results;
    const deleted = results.filter((r) => r.status === "deleted").map((r) => r.device);
    const final = results.every((r) => r.status === "deleted" || r.status === "not_found");
    return render(
      c,
      `${t("offboard")} · ${userId}`,
      "people",
      <>
        <Notice kind={final ? "ok" : "error"}>{final ? t("allOk") : t("someFailed")}</Notice>
        <ResultsTable c={c} results={results} label={t("results")} />
        {deleted.length > 0 && <UndoForm c={c} userId={userId} devices={deleted} />}
      </>,
    );
  });

  ui.post("/people/:user_id/undo", async (c) => {
    const t = textsOf(c);
    const userId = c.req.param("user_id");
    const devices = await formFields(c, "devices");
    // One restore per device, as a single restore would (each the newest unrestored copy of this user there).
    const answers = await Promise.all(devices.map((d) => api(c)("POST", `/devices/${enc(d)}/users/${enc(userId)}/restore`)));
    const results: OffboardResult[] = answers.map((a, i) => ({
      device: devices[i]!,
      status: a.ok ? "restored" : "error",
      error: a.ok ? undefined : `${a.error} (${a.code})`,
    }));
    return render(
      c,
      `${t("undo")} · ${userId}`,
      "people",
      <>
        <Notice kind={answers.every((a) => a.ok) ? "ok" : "error"}>{answers.every((a) => a.ok) ? t("undone") : t("someFailed")}</Notice>
        <ResultsTable c={c} results={results} label={t("results")} />
        <p>
          <a class="button" href={`/ui/people/${enc(userId)}`}>
            {t("back")}
          </a>
        </p>
      </>,
    );
  });
}

function PlacementTable({ c, rows }: { c: UiContext; rows: Placement[] }) {
  const t = textsOf(c);
  return (
    <table id="placements">
      <thead>
        <tr>
          <th>{t("device")}</th>
          <th>{t("name")}</th>
          <th>{t("privilege")}</th>
          <th>{t("card")}</th>
          <th>{t("status")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((p) => (
          <tr data-device={p.device}>
            <td>{p.device}</td>
            <td>{p.user?.name ?? ""}</td>
            <td>{p.user?.privilege ?? ""}</td>
            <td>{p.user?.card ?? ""}</td>
            <td>{p.error ? <span class="badge bad">{p.error}</span> : <span class="badge good">ok</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
