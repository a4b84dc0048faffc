// Device identity shared by the HTTP API and relay frames: ids, transports, and what the agent needs to dial.
import { z } from "zod";

export const Transport = z.enum(["tcp", "udp", "auto"]);
export type Transport = z.infer<typeof Transport>;

/** Registry ids follow the seed: lower case, spaces become "_"; then only [a-z0-9_-], 1-64 chars. */
export function normalizeId(raw: string): string {
  return raw.trim().toLowerCase().replace(/\s+/g, "_");
}
export const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const DeviceId = z
  .string()
  .transform(normalizeId)
  .pipe(z.string().regex(ID_PATTERN, "1-64 characters: a-z, 0-9, '_' or '-', starting with a letter or digit"));

/** Terminal addresses: IPv4, bracket-less IPv6, or a host name. */
export const DeviceHost = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:_-]+$/, "an IPv4/IPv6 address or host name");

/** The comm key ("password" in the seed): a numeric device secret, 0 = none. Never echoed back. */
export const CommKey = z.number().int().min(0).max(999_999_999);

export const DevicePort = z.number().int().min(1).max(65535);
/** Per-packet timeout in seconds, as in the seed's registry (shared/budget.ts derives deadlines from it). */
export const DeviceTimeout = z.number().min(0.1).max(120);

/** Everything the agent needs to reach one terminal; travels only inside relay request frames. */
export const DeviceTarget = z.object({
  id: z.string(),
  ip: DeviceHost,
  port: DevicePort,
  transport: Transport,
  password: CommKey,
  timeout: DeviceTimeout,
});
export type DeviceTarget = z.infer<typeof DeviceTarget>;
