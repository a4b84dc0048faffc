// Crash-safe files for the agent's state dir: written to a temp file, fsync'd, renamed, directory fsync'd.
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The default state dir, per user: %LOCALAPPDATA%\zk-relay-agent on Windows, else $XDG_STATE_HOME/zk-relay-agent
 * or ~/.local/state/zk-relay-agent.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === "win32" && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, "zk-relay-agent");
  return join(env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "zk-relay-agent");
}

/** Creates `dir` (and parents) readable by this user only: it holds user snapshots and terminal comm keys. */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

async function syncDir(dir: string): Promise<void> {
  // Directory fsync makes the rename itself durable; Windows cannot open a directory, where rename is enough.
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `text` to `dir/name` so that after a crash the file holds either the old or the new text, never a mix. */
export async function writeDurable(dir: string, name: string, text: string): Promise<void> {
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  const handle = await open(tmp, "w", 0o600);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, join(dir, name));
  await syncDir(dir);
}

/** Removes `dir/name` durably (missing is fine). */
export async function removeDurable(dir: string, name: string): Promise<void> {
  await rm(join(dir, name), { force: true });
  await syncDir(dir);
}

/** Every `*.json` file of `dir` as parsed JSON (unreadable or half-written leftovers are skipped and reported). */
export async function readJsonFiles(dir: string, onBad: (name: string, err: unknown) => void): Promise<Array<{ name: string; value: unknown }>> {
  const out: Array<{ name: string; value: unknown }> = [];
  for (const name of (await readdir(dir)).sort()) {
    if (!name.endsWith(".json")) continue;
    try {
      out.push({ name, value: JSON.parse(await readFile(join(dir, name), "utf8")) as unknown });
    } catch (err) {
      onBad(name, err);
    }
  }
  return out;
}
