// What `npm start` prints once everything is up: the ready line, the admin key and the seed's curl examples.
import { SEED_USER_ID } from "../lib/terminals";

export interface BannerInput {
  /** As the user should type it: http://localhost:8787 */
  baseUrl: string;
  adminKey: string;
  keyGenerated: boolean;
  site: string;
  /** Registered terminals: id → "127.0.0.1:port (tft, tcp)". */
  terminals: Record<string, string>;
}

/** The seed's "Example Workflow: Offboarding an Employee", against our gateway and with the API key. */
export function seedCurlExamples(baseUrl: string, key: string, devices: string[]): string[] {
  const auth = `-H "Authorization: Bearer ${key}"`;
  const first = devices[0] ?? "principal";
  const lines = [
    "# 1. Verify the user exists",
    `curl -X GET "${baseUrl}/devices/${first}/users" ${auth}`,
    "# 2. Check user's attendance history (optional)",
    `curl -X GET "${baseUrl}/devices/${first}/attendance?user_id=${SEED_USER_ID}" ${auth}`,
    "# 3. Delete the user from all devices",
    ...devices.map((d) => `curl -X DELETE "${baseUrl}/devices/${d}/users/${SEED_USER_ID}" ${auth}`),
    "# 4. Verify deletion",
    `curl -X GET "${baseUrl}/devices/${first}/users" ${auth}`,
    "# Not in the seed: undo the delete (fingerprints included), or offboard from every device in one call",
    `curl -X POST "${baseUrl}/devices/${first}/users/${SEED_USER_ID}/restore" ${auth}`,
    `curl -X DELETE "${baseUrl}/users/${SEED_USER_ID}" ${auth}`,
    "# An unknown device answers 404 with the ids you can use",
    `curl -X DELETE "${baseUrl}/devices/bodega/users/${SEED_USER_ID}" ${auth}`,
  ];
  return lines;
}

export function readyBanner(input: BannerInput): string {
  const devices = Object.keys(input.terminals);
  const out = [
    "",
    `zk-relay is ready at ${input.baseUrl}: site '${input.site}', agent connected` +
      (devices.length ? `, terminals ${devices.join(" and ")}.` : "."),
    ...Object.entries(input.terminals).map(([id, where]) => `  ${id.padEnd(10)} ${where}`),
    "",
    `Admin API key${input.keyGenerated ? " (new each run; set ZK_RELAY_ADMIN_KEY to fix it)" : " (from ZK_RELAY_ADMIN_KEY)"}:`,
    `  ${input.adminKey}`,
    "",
  ];
  if (devices.length) {
    out.push("The seed's offboarding workflow, ready to paste:", "");
    out.push(...seedCurlExamples(input.baseUrl, input.adminKey, devices).map((l) => `  ${l}`));
  } else {
    out.push("Try:", `  curl -X GET "${input.baseUrl}/devices" -H "Authorization: Bearer ${input.adminKey}"`);
  }
  out.push("", `Admin console: ${input.baseUrl}/ui (sign in with the key above).`);
  out.push(`API reference: ${input.baseUrl}/docs · Ctrl-C stops everything.`, "");
  return out.join("\n");
}
