// Console page: the devices the key sees, each pinged through its agent for reachability.
/** @jsxImportSource hono/jsx */
import type { Hono } from "hono";
import type { ApiFetch } from "../api";
import { ApiError, apiOf, render, textsOf, type UiEnv } from "../context";
import { ActionLinks, deviceActionPages } from "./device-actions";
import { userPages } from "./users";

interface DeviceRow {
  id: string;
  name: string;
  ip: string;
  port: number;
  transport: string;
  site: string;
}

export function devicePages(ui: Hono<UiEnv>, apiFetch: ApiFetch): void {
  const api = apiOf(apiFetch);
  ui.get("/devices", async (c) => {
    const t = textsOf(c);
    const site = c.req.query("site");
    const res = await api(c)<DeviceRow[]>("GET", "/devices");
    if (!res.ok) return render(c, t("devices"), "devices", <ApiError answer={res} />);
    const list = res.data.filter((d) => !site || d.site === site);
    // One ping per device, in parallel: each answers within its own registry timeout (docs/http-api.md §6).
    const pings = await Promise.all(list.map((d) => api(c)("GET", `/devices/${encodeURIComponent(d.id)}/ping`)));
    return render(
      c,
      site ? `${t("devices")} · ${site}` : t("devices"),
      "devices",
      <table id="devices">
        <thead>
          <tr>
            <th>{t("device")}</th>
            <th>{t("name")}</th>
            <th>{t("site")}</th>
            <th>{t("address")}</th>
            <th>{t("reachability")}</th>
            <th>{t("actions")}</th>
          </tr>
        </thead>
        <tbody>
          {list.map((d, i) => {
            const ping = pings[i]!;
            const path = `/ui/devices/${encodeURIComponent(d.id)}`;
            return (
              <tr data-device={d.id}>
                <td>{d.id}</td>
                <td>{d.name}</td>
                <td>{d.site}</td>
                <td>
                  {d.ip}:{d.port} · {d.transport}
                </td>
                <td class="reach">
                  {ping.ok ? (
                    <span class="badge good">{t("reachable")}</span>
                  ) : (
                    <span class="badge bad" title={ping.error}>
                      {t("unreachable")} · {ping.code}
                    </span>
                  )}
                </td>
                <td>
                  <a href={`${path}/users`}>{t("users")}</a> · <a href={`${path}/deleted`}>{t("deletedUsers")}</a>
                  <ActionLinks c={c} device={d.id} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>,
    );
  });
  userPages(ui, apiFetch);
  deviceActionPages(ui, apiFetch);
}
