// The gateway for `npm start`: local D1 migrated, then `wrangler dev` on 127.0.0.1 with the admin key from a private env file.
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { portProblem } from "../lib/ports";
import { spawnGroup, stopGroup, type GroupProcess } from "../lib/processes";
import { wranglerEnv } from "../lib/wrangler-env";

export class StartError extends Error {
  override readonly name = "StartError";
  constructor(
    readonly code: "PORT_IN_USE" | "MIGRATION_FAILED" | "GATEWAY_FAILED" | "AGENT_FAILED",
    message: string,
  ) {
    super(message);
  }
}

// Always node_modules/.bin/wrangler, never npx: SIGTERM to npx orphans wrangler and workerd (docs/development.md §3.5).
const wranglerBin = (root: string) => join(root, "node_modules/.bin/wrangler");

/** Fails with a clear message when the gateway port is taken (on 127.0.0.1, or on ::1 where `localhost` may go first). */
export async function checkPortFree(port: number): Promise<void> {
  const v4 = await portProblem("127.0.0.1", port);
  const v6 = await portProblem("::1", port);
  const taken = v4 === "EADDRINUSE" ? "127.0.0.1" : v6 === "EADDRINUSE" ? "[::1]" : undefined;
  if (taken) {
    throw new StartError(
      "PORT_IN_USE",
      `port ${port} is already in use on ${taken}: another 'npm start' or 'wrangler dev' may be running.\n` +
        `Stop it (e.g. 'lsof -i :${port}' or 'ss -ltnp | grep ${port}' shows who holds it), or use 'npm start -- --port <other>'.`,
    );
  }
  if (v4 !== undefined) throw new StartError("PORT_IN_USE", `cannot listen on 127.0.0.1:${port}: ${v4}`);
}

/**
 * `wrangler d1 migrations apply registry --local` into `persistTo` (idempotent: wrangler records applied files).
 * Spawned as a group like the rest, so a stop during start-up takes it down too.
 */
export async function migrateLocal(root: string, persistTo: string, onSpawn: (proc: GroupProcess) => void): Promise<void> {
  const proc = spawnGroup(
    "migrations",
    wranglerBin(root),
    ["d1", "migrations", "apply", "registry", "--local", "--persist-to", persistTo],
    // CI=true: never ask for confirmation, even when stdin is a terminal.
    { cwd: root, env: wranglerEnv({ CI: "true", FORCE_COLOR: "0" }) },
  );
  onSpawn(proc);
  const code = await proc.exited;
  if (code !== 0) {
    throw new StartError("MIGRATION_FAILED", `D1 migrations failed (${code}):\n${proc.tail.slice(-15).join("\n")}`);
  }
}

/**
 * Writes the admin key to a 0600 env file under .zk-relay/ for `wrangler dev --env-file`, so it is not on the
 * command line; returns its path and a remover (register the remover before anything can fail).
 */
export async function writeDevEnv(root: string, adminKey: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = join(root, ".zk-relay");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `dev-${process.pid}.env`);
  // The demo's webhooks go to a receiver on this machine: the dev setting of docs/webhooks.md §3 allows loopback.
  // CORS_ORIGINS in npm start's environment reaches the gateway too (docs/people.md §6); quotes cannot break out.
  const cors = (process.env.CORS_ORIGINS ?? "").replace(/['\n\r]/g, "");
  await writeFile(path, `ADMIN_API_KEY='${adminKey}'\nWEBHOOK_ALLOW_LOOPBACK='1'\n${cors ? `CORS_ORIGINS='${cors}'\n` : ""}`, { mode: 0o600 });
  await chmod(path, 0o600);
  return { path, remove: () => rm(path, { force: true }) };
}

/** Starts `wrangler dev` (inspector on a random port, no interactive hotkeys) and resolves once GET / answers 200. */
export async function startDevGateway(opts: {
  root: string;
  port: number;
  persistTo: string;
  /** From writeDevEnv. */
  envFile: string;
  onLine: (line: string) => void;
  onWaiting: (seconds: number) => void;
  /** Called as soon as wrangler is spawned, so a Ctrl-C during start-up stops it too. */
  onSpawn: (proc: GroupProcess) => void;
}): Promise<GroupProcess> {
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(opts.port), "--inspector-port", "0"];
  args.push("--persist-to", opts.persistTo, "--env-file", opts.envFile, "--show-interactive-dev-session=false");
  const proc = spawnGroup("gateway", wranglerBin(opts.root), args, {
    cwd: opts.root,
    env: wranglerEnv({ FORCE_COLOR: "0" }),
    onLine: opts.onLine,
  });
  opts.onSpawn(proc);
  const started = Date.now();
  let exited: string | undefined;
  void proc.exited.then((why) => (exited = String(why)));
  const tick = setInterval(() => opts.onWaiting(Math.round((Date.now() - started) / 1000)), 5000);
  try {
    for (;;) {
      if (exited !== undefined) throw new Error(`wrangler dev exited (${exited})`);
      if (Date.now() - started > 90_000) throw new Error("no answer on GET / within 90 s");
      const ok = await fetch(`http://127.0.0.1:${opts.port}/`, { signal: AbortSignal.timeout(2000) }).then(
        async (res) => (await res.body?.cancel(), res.status === 200),
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stopGroup(proc);
    const tail = proc.tail.slice(-20).join("\n");
    throw new StartError("GATEWAY_FAILED", `the gateway did not start: ${(err as Error).message}\n${tail}`);
  } finally {
    clearInterval(tick);
  }
  return proc;
}
