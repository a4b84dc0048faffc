// Console page: sites, with their agent online or last seen (an unscoped admin key), else the sites of visible devices.
/** @jsxImportSource hono/jsx */
import type { Hono } from "hono";
import { roleAtLeast } from "../../auth/principal";
import type { ApiFetch } from "../api";
import { ApiError, apiOf, render, textsOf, type UiEnv } from "../context";
import { Notice } from "../layout";

interface SiteRow {
  id: string;
  name: string;
  devices: number;
  agent: { connected: boolean; hostname?: string; version?: string; since?: string; last_seen?: string };
}

export function sitePages(ui: Hono<UiEnv>, apiFetch: ApiFetch): void {
  const api = apiOf(apiFetch);
  ui.get("/sites", async (c) => {
    const t = textsOf(c);
    const p = c.get("session").principal;
    // GET /admin/sites is an unscoped admin's route (docs/http-api.md §9); other keys see their devices' sites.
    if (roleAtLeast(p.role, "admin") && p.sites === null) {
      const res = await api(c)<SiteRow[]>("GET", "/admin/sites");
      if (!res.ok) return render(c, t("sites"), "sites", <ApiError answer={res} />, 200);
      return render(
        c,
        t("sites"),
        "sites",
        <table id="sites">
          <thead>
            <tr>
              <th>{t("site")}</th>
              <th>{t("name")}</th>
              <th>{t("devicesCount")}</th>
              <th>{t("agent")}</th>
              <th>{t("lastSeen")}</th>
            </tr>
          </thead>
          <tbody>
            {res.data.map((s) => (
              <tr data-site={s.id}>
                <td>
                  <a href={`/ui/devices?site=${encodeURIComponent(s.id)}`}>{s.id}</a>
                </td>
                <td>{s.name}</td>
                <td>{s.devices}</td>
                <td>
                  {s.agent.connected ? (
                    <span class="badge good">
                      {t("online")} {s.agent.hostname ? `· ${s.agent.hostname}` : ""} {s.agent.version ? `· v${s.agent.version}` : ""}
                    </span>
                  ) : (
                    <span class="badge bad">{t("offline")}</span>
                  )}
                </td>
                <td>{s.agent.last_seen ?? (s.agent.connected ? s.agent.since ?? "" : t("never"))}</td>
              </tr>
            ))}
          </tbody>
        </table>,
      );
    }
    const res = await api(c)<{ id: string; site: string }[]>("GET", "/devices");
    if (!res.ok) return render(c, t("sites"), "sites", <ApiError answer={res} />);
    const counts = new Map<string, number>();
    for (const d of res.data) counts.set(d.site, (counts.get(d.site) ?? 0) + 1);
    return render(
      c,
      t("sites"),
      "sites",
      <>
        <Notice kind="info">{t("agentHidden")}</Notice>
        <table id="sites">
          <thead>
            <tr>
              <th>{t("site")}</th>
              <th>{t("devicesCount")}</th>
            </tr>
          </thead>
          <tbody>
            {[...counts].map(([site, n]) => (
              <tr data-site={site}>
                <td>
                  <a href={`/ui/devices?site=${encodeURIComponent(site)}`}>{site}</a>
                </td>
                <td>{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>,
    );
  });
}
