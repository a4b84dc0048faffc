// Headless Chromium from the distribution (/usr/bin/chromium) driven by playwright-core, for the console's browser tests.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { ROOT } from "../e2e/harness/bundle";

/** Debian's chromium package; .ci/run installs it (docs/console.md §6). */
export const CHROMIUM = process.env.ZK_RELAY_CHROMIUM ?? "/usr/bin/chromium";

/** Where screenshots go (gitignored). */
export const SHOTS = join(ROOT, "test-results");

/** Flags that keep the browser off the network and quiet: it only ever talks to 127.0.0.1. */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Saves test-results/<name>.png and returns its path. */
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Launches the system Chromium with a fresh profile. A missing executable is a failure with the fix in its
 * message, never a skip: the console's flows are only proven in a real browser.
 */
export async function launchChromium(acceptLanguage = "es-ES,es;q=0.9"): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (.ci/run does this)`);
  }
  const profile = await mkdtemp(join(tmpdir(), "zk-relay-chromium-"));
  await mkdir(SHOTS, { recursive: true });
  // launchPersistentContext is playwright's way to give Chromium its --user-data-dir (a fresh one per run).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  // The browser's language as a header the test can change later (a launch-time locale would pin it).
  await page.setExtraHTTPHeaders({ "Accept-Language": acceptLanguage });
  return {
    context,
    page,
    async shot(name) {
      const path = join(SHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}
