// `npm pack` → `npm i -g ./zk-relay-*.tgz` into a temporary prefix (npm cache first, the npm registry only for what it lacks).
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { HOST, simulatorPool } from "./zk-client-helpers";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "zk-pack-"));
const sims = simulatorPool();
afterAll(async () => {
  await sims.closeAll();
  rmSync(work, { recursive: true, force: true });
});

/** The parent's npm_* variables (from `npm test`) would redirect the child npm (prefix, cache, scripts): drop them. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: cleanEnv(), timeout: 170_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe("the packed tarball", () => {
  test("installs the agent and the simulator globally, and they run compiled JavaScript", { timeout: 180_000 }, async () => {
    // --ignore-scripts: dist-node/ was built by the test run's global setup; `prepare` rebuilding it here would
    // rewrite files other test files are running at this moment.
    const pack = await run("npm", ["pack", "--ignore-scripts", "--pack-destination", work], ROOT);
    expect(pack.code, pack.stderr).toBe(0);
    const tgz = readdirSync(work).find((f) => /^zk-relay-.*\.tgz$/.test(f));
    expect(tgz).toBeDefined();
    const prefix = join(work, "prefix");
    // --prefer-offline: tarballs come from the cache `npm ci` filled; npm may still ask the registry for package
    // metadata, which a lockfile install never stored.
    const install = await run("npm", ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", join(work, tgz!)], work);
    expect(install.code, install.stderr).toBe(0);

    const pkgDir = join(prefix, "lib", "node_modules", "zk-relay");
    const shipped = readdirSync(pkgDir);
    expect(shipped).toEqual(expect.arrayContaining(["bin", "dist-node", "package.json"]));
    // Only what runs: no TypeScript sources, no tests.
    expect(shipped).not.toContain("agent");
    expect(shipped).not.toContain("test");

    const sim = await sims.start({ profile: "tft", users: 4 });
    const agent = join(prefix, "bin", "zk-relay-agent");
    const info = await run(agent, ["device", "info", "--ip", HOST, "--port", String(sim.port), "--json"], work);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ serial: sim.state.serial, counts: { users: 4 } });
    const help = await run(agent, ["device", "delete-user", "--help"], work);
    expect(help.stdout).toMatch(/--snapshot-out/);
    const simHelp = await run(join(prefix, "bin", "zk-relay-sim"), ["--help"], work);
    expect(simHelp).toMatchObject({ code: 0 });
    expect(simHelp.stdout).toMatch(/^usage: zk-relay-sim/);
  });
});
