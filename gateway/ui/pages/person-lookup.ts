// Where a person is enrolled, for the console: GET /users/{id}, or each visible device's user list on a gateway without it.
import type { ApiAnswer } from "../api";

export interface Placement {
  device: string;
  user?: { user_id: string; name: string; privilege: number; card: number; fingers?: number; enabled?: boolean };
  /** Why this device could not say (unreachable, agent offline…), in the page's language. */
  error?: string;
  /** The device's status when it could not say (agent_offline, unreachable, busy, error). */
  status?: string;
}

type Call = <T = unknown>(method: string, path: string, body?: unknown) => Promise<ApiAnswer<T>>;

interface Where {
  devices: { device: string; user_id: string; name: string; privilege: number; card: number; fingers?: number; enabled?: boolean }[];
  unreachable: { device: string; status: string; error: string }[];
}

/** Every visible device holding `userId`, plus the devices that could not be asked. */
export async function findPerson(call: Call, userId: string): Promise<{ placements: Placement[] } | { failure: ApiAnswer }> {
  const enc = encodeURIComponent;
  const where = await call<Where>("GET", `/users/${enc(userId)}`);
  if (where.ok) {
    return {
      placements: [
        ...where.data.devices.map((d) => ({ device: d.device, user: d })),
        ...where.data.unreachable.map((u) => ({ device: u.device, status: u.status, error: u.error })),
      ],
    };
  }
  // Only a gateway that does not serve GET /users/{id} falls back; any other failure is the answer.
  if (where.code !== "METHOD_NOT_ALLOWED" && where.code !== "NOT_FOUND") return { failure: where };
  const devices = await call<{ id: string }[]>("GET", "/devices");
  if (!devices.ok) return { failure: devices };
  const lists = await Promise.all(devices.data.map((d) => call<NonNullable<Placement["user"]>[]>("GET", `/devices/${enc(d.id)}/users`)));
  const placements: Placement[] = [];
  devices.data.forEach((d, i) => {
    const res = lists[i]!;
    if (!res.ok) placements.push({ device: d.id, status: res.code, error: `${res.error} (${res.code})` });
    else {
      const user = res.data.find((u) => u.user_id === userId);
      if (user) placements.push({ device: d.id, user });
    }
  });
  return { placements };
}
