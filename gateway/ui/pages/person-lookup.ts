// Where a person is enrolled, for the console: each visible device's user list, and the devices that could not answer.
import type { ApiAnswer } from "../api";
import type { UiContext } from "../context";

export interface Placement {
  device: string;
  user?: { user_id: string; name: string; privilege: number; card: number };
  /** Why this device could not say (unreachable, agent offline…), in the page's language. */
  error?: string;
}

type Call = <T = unknown>(method: string, path: string, body?: unknown) => Promise<ApiAnswer<T>>;

/** Every visible device holding `userId`, plus the devices that could not be asked. */
export async function findPerson(_c: UiContext, call: Call, userId: string): Promise<{ placements: Placement[] } | { failure: ApiAnswer }> {
  const devices = await call<{ id: string }[]>("GET", "/devices");
  if (!devices.ok) return { failure: devices };
  const lists = await Promise.all(
    devices.data.map((d) => call<{ user_id: string; name: string; privilege: number; card: number }[]>("GET", `/devices/${encodeURIComponent(d.id)}/users`)),
  );
  const placements: Placement[] = [];
  devices.data.forEach((d, i) => {
    const res = lists[i]!;
    if (!res.ok) placements.push({ device: d.id, error: `${res.error} (${res.code})` });
    else {
      const user = res.data.find((u) => u.user_id === userId);
      if (user) placements.push({ device: d.id, user });
    }
  });
  return { placements };
}
