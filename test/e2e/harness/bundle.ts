// The gateway bundle the e2e tests run in workerd: dist/index.js, rebuilt once when missing or older than its sources.
import { execFile } from "node:child_process";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { wranglerEnv } from "../../../scripts/lib/wrangler-env";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const BUNDLE = join(ROOT, "dist/index.js");
const SOURCES = ["gateway", "shared", "wrangler.toml"];
const LOCK = join(ROOT, "dist/.bundle-lock");

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

async function isFresh(): Promise<boolean> {
  try {
    const built = (await stat(BUNDLE)).mtimeMs;
    for (const source of SOURCES) if ((await newestMtime(join(ROOT, source))) > built) return false;
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure dist/index.js exists and is newer than gateway/, shared/ and wrangler.toml. `npm test` bundles
 * first; this covers running one e2e file alone. Test files run in parallel workers, so a directory lock
 * lets exactly one of them build while the others wait.
 */
export async function ensureBundle(): Promise<string> {
  if (await isFresh()) return BUNDLE;
  await mkdir(join(ROOT, "dist"), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch {
      // A lock older than two minutes belongs to a run that died.
      const age = await stat(LOCK).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 120_000) await rm(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error("timed out waiting for another worker to build dist/index.js");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!(await isFresh())) {
      await promisify(execFile)(
        join(ROOT, "node_modules/.bin/wrangler"),
        ["deploy", "--dry-run", "--outdir", "dist"],
        { cwd: ROOT, env: wranglerEnv(), timeout: 120_000 },
      );
    }
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
  return BUNDLE;
}
