// The zk-relay-sim command: ready line, serving, --verbose command log, clean exit on SIGTERM/SIGINT, bad arguments.
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RawUdp, hex } from "./sim-helpers";

const BIN = resolve(import.meta.dirname, "../../bin/zk-relay-sim.mjs");
let children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  children = [];
});

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const waitFor = (re: RegExp, ms = 15_000) =>
    new Promise<RegExpMatchArray>((ok, fail) => {
      const t0 = Date.now();
      const tick = () => {
        const m = out.match(re);
        if (m) return ok(m);
        if (child.exitCode !== null || Date.now() - t0 > ms) return fail(new Error(`no ${re} in: ${out}${err}`));
        setTimeout(tick, 20);
      };
      tick();
    });
  return { child, exited, waitFor, output: () => out + err };
}

describe("zk-relay-sim", () => {
  it("prints one ready line, serves, logs commands with --verbose, exits 0 on SIGTERM", async () => {
    const p = run(["--port", "0", "--users", "5", "--records", "7", "--templates", "3", "--verbose"]);
    const m = await p.waitFor(/zk-relay-sim: tft profile on tcp\+udp 127\.0\.0\.1:(\d+) \(5 users, 7 records, 3 templates\)/);
    const u = await RawUdp.open(Number(m[1]));
    try {
      u.send(hex("e8 03 17 fc 00 00 00 00"));
      expect((await u.next(5000)).command).toBe(2000);
    } finally {
      u.close();
    }
    await p.waitFor(/CMD_CONNECT/);
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  }, 30_000);

  it("runs the zk6 profile on UDP only and exits 0 on SIGINT", async () => {
    const p = run(["--port", "0", "--profile", "zk6", "--users", "2", "--records", "0", "--seed", "4"]);
    await p.waitFor(/zk6 profile on udp 127\.0\.0\.1:\d+ \(2 users, 0 records, 2 templates\)/);
    p.child.kill("SIGINT");
    expect(await p.exited).toBe(0);
  }, 30_000);

  it("rejects bad arguments with exit code 2 and the usage", async () => {
    const p = run(["--port", "0", "--profile", "k40"]);
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain("--profile must be tft or zk6");
    expect(p.output()).toContain("usage: zk-relay-sim");
  }, 30_000);
});
