// Environment for every wrangler/workerd child: no telemetry, no cf.json fetch, no update check (docs/development.md §3.3).
export const WRANGLER_QUIET_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_ERROR_REPORTS: "false",
} as const;

/** process.env plus the four quiet settings (they win over anything inherited). */
export function wranglerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...WRANGLER_QUIET_ENV, ...extra };
}
