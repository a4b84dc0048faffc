// Console pages of one offboarding: where each device stands (queued ones move on later), and its undo.
/** @jsxImportSource hono/jsx */
import type { Hono } from "hono";
import { roleAtLeast } from "../../auth/principal";
import type { ApiFetch } from "../api";
import { ApiError, apiOf, render, textsOf, type UiEnv } from "../context";
import { Notice, PostButton } from "../layout";
import { ResultsTable, type DeviceResult } from "./results";

const enc = encodeURIComponent;

interface Offboarding {
  offboarding_id: string;
  user_id: string;
  key_id: string;
  created_at: string;
  undone_at: string | null;
  complete: boolean;
  results: DeviceResult[];
}

/** Only queued devices (their agent is away) keep this offboarding from being final. */
function waiting(results: DeviceResult[]): boolean {
  return results.every((r) => ["deleted", "not_found", "queued", "applying"].includes(r.status)) && results.some((r) => r.status !== "deleted" && r.status !== "not_found");
}

export function offboardingPages(ui: Hono<UiEnv>, apiFetch: ApiFetch): void {
  const api = apiOf(apiFetch);

  ui.get("/offboardings/:id", async (c) => {
    const t = textsOf(c);
    const id = c.req.param("id");
    const res = await api(c)<Offboarding>("GET", `/offboardings/${enc(id)}`);
    if (!res.ok) return render(c, t("offboarding", { id }), "people", <ApiError answer={res} />);
    const o = res.data;
    const write = roleAtLeast(c.get("session").principal.role, "write");
    return render(
      c,
      t("offboarding", { id }),
      "people",
      <>
        <p class="muted">
          {t("offboardingOf", { user: o.user_id, key: o.key_id, at: o.created_at })}{" "}
          <a href={`/ui/people/${enc(o.user_id)}`}>{t("view")}</a>
        </p>
        <Notice kind={o.complete ? "ok" : "info"}>{o.complete ? t("allOk") : waiting(o.results) ? t("queuedPending") : t("someFailed")}</Notice>
        {o.undone_at && <Notice kind="info">{t("undoneAt", { at: o.undone_at })}</Notice>}
        <ResultsTable c={c} results={o.results} withUndo />
        {write && !o.undone_at && (
          <div class="row">
            <PostButton session={c.get("session")} action={`/ui/offboardings/${enc(id)}/undo`} label={t("undo")} />
          </div>
        )}
      </>,
    );
  });

  ui.post("/offboardings/:id/undo", async (c) => {
    const t = textsOf(c);
    const id = c.req.param("id");
    const res = await api(c)<{ user_id: string; results: DeviceResult[] }>("POST", `/offboardings/${enc(id)}/undo`);
    // 207 UNDO_INCOMPLETE carries the same per-device data as a success: show it with the API's message.
    if (!Array.isArray(res.data?.results)) return render(c, `${t("undo")} · ${id}`, "people", <ApiError answer={res} />);
    return render(
      c,
      `${t("undo")} · ${id}`,
      "people",
      <>
        <Notice kind={res.ok ? "ok" : "error"}>{res.ok ? String(res.body.message ?? t("undone")) : res.error}</Notice>
        <ResultsTable c={c} results={res.data.results} />
        <div class="row">
          <a class="button" href={`/ui/offboardings/${enc(id)}`}>
            {t("offboarding", { id })}
          </a>
          <a class="button" href={`/ui/people/${enc(res.data.user_id)}`}>
            {t("back")}
          </a>
        </div>
      </>,
    );
  });
}
