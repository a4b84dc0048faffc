// Admin calls the demo and the tests share: a site with a fresh agent token, devices upserted, agent status.
import type { ApiClient } from "./api-client";

/** Registry fields of `POST /devices` (docs/http-api.md §5); `password` is the comm key. */
export interface DeviceSpec {
  id: string;
  name?: string;
  ip: string;
  port: number;
  transport: "tcp" | "udp" | "auto";
  password?: number;
  timeout?: number;
  site: string;
}

/** Creates site `id`, or rotates its token when it already exists; returns the agent token (shown only now). */
export async function ensureSite(api: ApiClient, id: string, name = id): Promise<string> {
  const created = await api.post("/admin/sites", { id, name });
  if (created.status === 201) return tokenOf(created.body, "POST /admin/sites");
  if (created.status !== 409) throw new Error(`POST /admin/sites answered ${created.status}: ${created.text}`);
  const rotated = await api.post(`/admin/sites/${id}/rotate-token`);
  if (rotated.status !== 200 && rotated.status !== 201) {
    throw new Error(`POST /admin/sites/${id}/rotate-token answered ${rotated.status}: ${rotated.text}`);
  }
  return tokenOf(rotated.body, "rotate-token");
}

function tokenOf(body: any, what: string): string {
  const token = body?.data?.token;
  if (typeof token !== "string") throw new Error(`${what}: no data.token in the answer`);
  return token;
}

/** Registers the device, or updates it in place (new simulator port, transport, comm key) if it exists. */
export async function upsertDevice(api: ApiClient, spec: DeviceSpec): Promise<void> {
  const body = { password: 0, timeout: 5, name: spec.id, ...spec };
  const created = await api.post("/devices", body);
  if (created.status === 201) return;
  if (created.status !== 409) throw new Error(`POST /devices (${spec.id}) answered ${created.status}: ${created.text}`);
  const { id, ...fields } = body;
  const updated = await api.put(`/devices/${id}`, fields);
  if (updated.status !== 200) throw new Error(`PUT /devices/${id} answered ${updated.status}: ${updated.text}`);
}

/** The `agent` entry of `GET /admin/sites` for `siteId` (undefined when the site is unknown). */
export async function agentStatus(api: ApiClient, siteId: string): Promise<{ connected: boolean; hostname?: string } | undefined> {
  const sites = await api.get("/admin/sites");
  if (sites.status !== 200 || !Array.isArray(sites.body?.data)) {
    throw new Error(`GET /admin/sites answered ${sites.status}: ${sites.text.slice(0, 200)}`);
  }
  const site = sites.body.data.find((s: any) => s?.id === siteId);
  return site?.agent;
}
