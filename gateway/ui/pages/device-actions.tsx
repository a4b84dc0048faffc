// Console actions on one terminal: open the door (write) and restart (admin), each after a confirmation page.
/** @jsxImportSource hono/jsx */
import type { Hono } from "hono";
import { roleAtLeast } from "../../auth/principal";
import type { ApiFetch } from "../api";
import { ApiError, apiOf, render, textsOf, type UiContext, type UiEnv } from "../context";
import { Csrf, Notice } from "../layout";
import type { UiKey } from "../messages";

const enc = encodeURIComponent;

/** Each action: its API call, the role the API requires (links are shown only then), its words. */
const ACTIONS = {
  unlock: { method: "POST", path: "unlock", body: { seconds: 3 }, role: "write", label: "unlockDoor", confirm: "confirmUnlock" },
  restart: { method: "POST", path: "restart", body: undefined, role: "admin", label: "restart", confirm: "confirmRestart" },
} as const satisfies Record<string, { method: string; path: string; body: unknown; role: "write" | "admin"; label: UiKey; confirm: UiKey }>;

type Action = keyof typeof ACTIONS;
const isAction = (a: string): a is Action => Object.prototype.hasOwnProperty.call(ACTIONS, a);

/** Links to the actions this key's role allows on a device (the devices page). */
export function ActionLinks({ c, device }: { c: UiContext; device: string }) {
  const t = textsOf(c);
  const role = c.get("session").principal.role;
  const allowed = (Object.keys(ACTIONS) as Action[]).filter((a) => roleAtLeast(role, ACTIONS[a].role));
  return (
    <>
      {allowed.map((a) => (
        <>
          {" · "}
          <a href={`/ui/devices/${enc(device)}/actions/${a}`}>{t(ACTIONS[a].label)}</a>
        </>
      ))}
    </>
  );
}

export function deviceActionPages(ui: Hono<UiEnv>, apiFetch: ApiFetch): void {
  const api = apiOf(apiFetch);

  ui.get("/devices/:id/actions/:action", (c) => {
    const t = textsOf(c);
    const id = c.req.param("id");
    const action = c.req.param("action");
    if (!isAction(action)) return render(c, t("error"), "devices", <Notice kind="error">{t("noneFound")}</Notice>, 404);
    const a = ACTIONS[action];
    return render(
      c,
      t(a.label),
      "devices",
      <form method="post" action={`/ui/devices/${enc(id)}/actions/${action}`}>
        <Csrf session={c.get("session")} />
        <p>
          <strong>{t(a.confirm, { device: id })}</strong>
        </p>
        <div class="row">
          <button type="submit" class="danger">
            {t(a.label)}
          </button>
          <a class="button" href="/ui/devices">
            {t("cancel")}
          </a>
        </div>
      </form>,
    );
  });

  ui.post("/devices/:id/actions/:action", async (c) => {
    const t = textsOf(c);
    const id = c.req.param("id");
    const action = c.req.param("action");
    if (!isAction(action)) return render(c, t("error"), "devices", <Notice kind="error">{t("noneFound")}</Notice>, 404);
    const a = ACTIONS[action];
    // The API checks the role and the device's site again: a hidden link is no permission.
    const res = await api(c)(a.method, `/devices/${enc(id)}/${a.path}`, a.body);
    return render(
      c,
      t(a.label),
      "devices",
      <>
        {res.ok ? <Notice kind="ok">{String(res.body.message ?? "")}</Notice> : <ApiError answer={res} />}
        <p>
          <a class="button" href="/ui/devices">
            {t("back")}
          </a>
        </p>
      </>,
    );
  });
}
