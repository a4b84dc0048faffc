// `npm start` itself: ready line, the printed curl examples work as written, signals stop every process, a second run works.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { waitFor } from "../../scripts/lib/api-client";
import { freePort, portProblem } from "../../scripts/lib/ports";
import { descendants, pidAlive, signalGroup, spawnGroup, stopGroup, type GroupProcess } from "../../scripts/lib/processes";
import { ROOT } from "./harness/bundle";

const KEY = `start-test-${process.pid}-key`;
let persist: string;
let port: number;
const started: GroupProcess[] = [];

beforeAll(async () => {
  persist = await mkdtemp(join(tmpdir(), "zk-relay-start-"));
  port = await freePort();
});

afterAll(async () => {
  // SIGTERM lets each run stop its own wrangler and agent groups (they are not in its group).
  await Promise.all(started.map((p) => stopGroup(p, 15_000)));
  await rm(persist, { recursive: true, force: true });
});

interface Run {
  proc: GroupProcess;
  lines: string[];
  /** Resolves with the output so far once a line matches (rejects if the process exits first or on timeout). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string[]>;
}

function runStart(args: string[], env: Record<string, string> = {}): Run {
  const lines: string[] = [];
  const watchers: Array<() => void> = [];
  const proc = spawnGroup("npm start", process.execPath, [join(ROOT, "bin/run-ts.mjs"), "scripts/start.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ZK_RELAY_ADMIN_KEY: KEY, NO_COLOR: "1", ...env },
    onLine: (line) => {
      lines.push(line);
      for (const w of watchers) w();
    },
  });
  started.push(proc);
  const waitForLine = (pattern: RegExp, timeoutMs = 90_000) =>
    new Promise<string[]>((resolve, reject) => {
      const check = () => lines.some((l) => pattern.test(l)) && resolve(lines);
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms:\n${lines.join("\n")}`)), timeoutMs);
      void proc.exited.then((why) => {
        clearTimeout(timer);
        if (!lines.some((l) => pattern.test(l))) reject(new Error(`exited (${why}) before ${pattern}:\n${lines.join("\n")}`));
      });
      watchers.push(check);
      check();
    });
  return { proc, lines, waitForLine };
}

/** Runs one printed curl line as written (through sh), returning status and parsed body. */
async function curl(line: string): Promise<{ status: number; body: any }> {
  const { stdout } = await promisify(execFile)("sh", ["-c", `${line} -s -w '\\n%{http_code}'`], { timeout: 30_000 });
  const cut = stdout.lastIndexOf("\n");
  return { status: Number(stdout.slice(cut + 1)), body: JSON.parse(stdout.slice(0, cut)) };
}

/** Stops a run with `signal` (sent to the start process only, as a terminal or systemd would) and checks nothing is left. */
async function stopAndCheck(run: Run, signal: NodeJS.Signals): Promise<void> {
  const children = await descendants(run.proc.pid);
  expect(children.length).toBeGreaterThanOrEqual(3); // wrangler (+ workerd), agent
  process.kill(run.proc.pid, signal);
  const code = await Promise.race([run.proc.exited, new Promise((r) => setTimeout(() => r("timeout"), 20_000))]);
  expect(code).toBe(0);
  const left = children.filter(pidAlive);
  expect(left).toEqual([]);
  expect(await portProblem("127.0.0.1", port)).toBeUndefined();
  expect(existsSync(envFileOf(run))).toBe(false); // the admin key's env file goes with the run
}

const envFileOf = (run: Run) => join(ROOT, ".zk-relay", `dev-${run.proc.pid}.env`);

test("npm start: ready, the seed's curl examples work as printed, SIGTERM stops everything", async () => {
  const run = runStart(["--port", String(port), "--persist-to", persist]);
  const out = await run.waitForLine(/zk-relay is ready at http:\/\/localhost:\d+/);
  expect(out.join("\n")).toContain(KEY);
  expect(out.some((l) => /applying D1 migrations/.test(l))).toBe(true);
  const curls = out.map((l) => l.trim()).filter((l) => l.startsWith("curl "));
  expect(curls.every((l) => l.includes(`-H "Authorization: Bearer ${KEY}"`) && l.includes(`http://localhost:${port}/`))).toBe(true);

  const [list, attendance, delPrincipal, delEntrada, verify] = curls;
  expect(list).toMatch(/-X GET ".*\/devices\/principal\/users"/);
  const users = await curl(list!);
  expect(users.status).toBe(200);
  expect(users.body.data.map((u: { user_id: string }) => u.user_id)).toContain("123");
  expect(users.body.data).toHaveLength(50);
  const punches = await curl(attendance!);
  expect(punches.status).toBe(200);
  expect(punches.body.data.length).toBeGreaterThan(0);
  expect(punches.body.data.every((r: { user_id: string }) => r.user_id === "123")).toBe(true);
  expect(await curl(delPrincipal!)).toEqual({ status: 200, body: { success: true, message: "Usuario '123' eliminado." } });
  expect(delEntrada).toContain("/devices/entrada/users/123");
  expect(await curl(delEntrada!)).toEqual({ status: 200, body: { success: true, message: "Usuario '123' eliminado." } });
  const after = await curl(verify!);
  expect(after.body.data.map((u: { user_id: string }) => u.user_id)).not.toContain("123");
  const bodega = await curl(curls.find((l) => l.includes("/devices/bodega/"))!);
  expect(bodega).toEqual({
    status: 404,
    body: { success: false, error: "Dispositivo 'bodega' no encontrado.", disponibles: ["entrada", "principal"], code: "DEVICE_NOT_FOUND" },
  });

  // The demo terminals punch about every 10 s: a newcomer sees live events, after the imported logs.
  let lastCursor: string | undefined;
  const live = await waitFor("a live punch of the demo terminals", async () => {
    const r = await fetch(`http://127.0.0.1:${port}/events?type=attendance&limit=1000&after=${lastCursor ?? "c1.0"}`, { headers: { authorization: `Bearer ${KEY}` } });
    const body = (await r.json()) as { data: Array<{ catch_up: boolean; device_id: string }>; next: string };
    lastCursor = body.next;
    return body.data.find((e) => !e.catch_up);
  }, { timeoutMs: 45_000, intervalMs: 500 });
  expect(["principal", "entrada"]).toContain(live.device_id);

  await stopAndCheck(run, "SIGTERM");
}, 150_000);

test("a second npm start on the same state: site token rotated, devices moved to the new simulators; Ctrl-C stops it", async () => {
  const run = runStart(["--port", String(port), "--persist-to", persist]);
  await run.waitForLine(/zk-relay is ready at/);
  const headers = { authorization: `Bearer ${KEY}` };
  const users = await fetch(`http://127.0.0.1:${port}/devices/entrada/users`, { headers });
  expect(users.status).toBe(200);
  // Fresh simulators: user 123, deleted in the first run, is back.
  expect(((await users.json()) as { data: Array<{ user_id: string }> }).data.map((u) => u.user_id)).toContain("123");
  const sites = (await (await fetch(`http://127.0.0.1:${port}/admin/sites`, { headers })).json()) as { data: Array<{ id: string; devices: number }> };
  expect(sites.data.filter((s) => s.id === "demo")).toMatchObject([{ id: "demo", devices: 2 }]);
  await stopAndCheck(run, "SIGINT");
}, 150_000);

test("SIGTERM during start-up (gateway still booting) leaves nothing behind", async () => {
  const run = runStart(["--port", String(port), "--persist-to", persist]);
  await run.waitForLine(/starting the gateway/);
  // wrangler dev is spawned right after that line; catch it while it boots.
  const children = await waitFor("wrangler dev to be spawned", async () => {
    const pids = await descendants(run.proc.pid);
    return pids.length > 0 ? pids : undefined;
  }, { timeoutMs: 10_000, intervalMs: 20 });
  process.kill(run.proc.pid, "SIGTERM");
  expect(await run.proc.exited).toBe(0);
  expect(children.filter(pidAlive)).toEqual([]);
  expect(existsSync(envFileOf(run))).toBe(false);
}, 60_000);

test("port already taken: a clear error and exit code 1, nothing started", async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
  try {
    const run = runStart(["--port", String(port), "--persist-to", persist]);
    const code = await run.proc.exited;
    expect(code).toBe(1);
    expect(run.lines.join("\n")).toContain(`port ${port} is already in use`);
  } finally {
    blocker.close();
  }
});

test("--sim-only runs just the two terminals; --no-sim and --sim-only together is a usage error", async () => {
  const run = runStart(["--sim-only"]);
  const out = await run.waitForLine(/simulators ready/, 30_000);
  expect(out.filter((l) => /terminal (principal|entrada): 127\.0\.0\.1:\d+/.test(l))).toHaveLength(2);
  expect(await descendants(run.proc.pid)).toEqual([]);
  signalGroup(run.proc.pid, "SIGTERM");
  expect(await run.proc.exited).toBe(0);

  const bad = runStart(["--sim-only", "--no-sim"]);
  expect(await bad.proc.exited).toBe(2);
  expect(bad.lines.join("\n")).toContain("exclude each other");
});
