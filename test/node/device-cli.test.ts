// `zk-relay-agent device …` spawned as a real process against simulators of both profiles.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test, vi } from "vitest";
import { runDeviceCli } from "../../agent/cli/device";
import { HOST, closedPort, simulatorPool } from "./zk-client-helpers";
import type { Simulator } from "../../agent/zk/sim";
import { codec } from "../../agent/zk";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const KEY = "8675309";
const pool = simulatorPool();
// Tests run concurrently (each on its own simulator), so simulators are closed once, at the end.
afterAll(() => pool.closeAll());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; never rejects (a non-zero exit is a result). */
function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["bin/zk-relay-agent.mjs", "device", ...args], { cwd: ROOT, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The same entry point in this process, output captured: for the many argument checks that need no device. */
async function inProcess(args: string[]): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void stdout.push(`${a.join(" ")}\n`));
  const error = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void stderr.push(`${a.join(" ")}\n`));
  try {
    const code = await runDeviceCli(args);
    return { code, stdout: stdout.join(""), stderr: stderr.join("") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

function target(sim: Simulator, ...extra: string[]): string[] {
  return ["--ip", HOST, "--port", String(sim.port), ...extra];
}

describe.concurrent("reads on a TFT terminal (TCP, comm key)", () => {
  test("info, users, attendance, fingers, time — text and JSON", async () => {
    const sim = await pool.start({ profile: "tft", commKey: Number(KEY), users: 6, records: 20, templates: 8, singleSession: false });
    const t = (...a: string[]) => target(sim, "--comm-key", KEY, "--transport", "tcp", ...a);
    const someone = sim.state.templates()[0]!;
    const owner = sim.state.users().find((u) => u.uid === someone.uid)!;
    const punch = sim.state.attendance()[3]!;
    const day = `${punch.time.year}-${String(punch.time.month).padStart(2, "0")}-${String(punch.time.day).padStart(2, "0")}`;
    const [info, infoJson, users, usersJson, att, fingers, time] = await Promise.all([
      cli(["info", ...t()]),
      cli(["info", ...t("--json")]),
      cli(["users", ...t()]),
      cli(["users", ...t("--json")]),
      cli(["attendance", ...t("--json", "--user-id", punch.userId, "--date", day)]),
      cli(["fingers", ...t("--json", "--user-id", owner.userId)]),
      cli(["time", ...t("--json")]),
    ]);
    for (const r of [info, infoJson, users, usersJson, att, fingers, time]) {
      expect(r).toMatchObject({ code: 0, stderr: "" });
      expect(r.stdout).not.toContain(KEY);
    }
    expect(info.stdout).toMatch(new RegExp(`serial\\s+${sim.state.serial}`));
    expect(info.stdout).toMatch(/users\s+6 \/ \d+/);
    expect(JSON.parse(infoJson.stdout)).toMatchObject({ serial: sim.state.serial, sizes: { users: 6, records: 20, fingers: 8 } });
    expect(users.stdout.split("\n")[0]).toMatch(/^uid\s+user_id\s+name\s+privilege\s+card\s+group_id$/);
    expect(users.stdout).toContain(owner.name);
    // The HTTP API's user shape and group_id: pyzk's text when set, else the group number (agent/ops/map toUser).
    const listed = JSON.parse(usersJson.stdout) as { user_id: string; group_id: string }[];
    expect(listed.map((u) => u.user_id)).toEqual(sim.state.users().map((u) => u.userId));
    expect(listed.map((u) => u.group_id)).toEqual(sim.state.users().map((u) => u.groupId || String(u.group)));
    expect(listed[0]).not.toHaveProperty("group");
    const records = JSON.parse(att.stdout) as { user_id: string; timestamp: string }[];
    const want = sim.state.attendance().filter((r) => r.userId === punch.userId && r.time.day === punch.time.day && r.time.month === punch.time.month);
    expect(records).toHaveLength(want.length);
    expect(records.every((r) => r.user_id === punch.userId && r.timestamp.startsWith(day))).toBe(true);
    const wantFingers = sim.state.templates().filter((x) => x.uid === owner.uid).map((x) => x.finger).sort((a, b) => a - b);
    expect(JSON.parse(fingers.stdout)).toEqual({
      user_id: owner.userId,
      fingers: wantFingers.map((finger) => ({ finger, flag: 1, size: sim.state.templates().find((x) => x.uid === owner.uid && x.finger === finger)!.template.length })),
    });
    expect(JSON.parse(time.stdout).time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });
});

describe.concurrent.each([
  { profile: "tft", transport: "tcp" },
  { profile: "zk6", transport: "auto" },
] as const)("writes on $profile ($transport)", ({ profile, transport }) => {
  test("add-user, duplicate, delete-user, not found; terminal left enabled", async () => {
    const sim = await pool.start({ profile, users: 3 });
    const t = (...a: string[]) => target(sim, "--transport", transport, ...a);
    const add = await cli(["add-user", ...t("--user-id", "4711", "--name", "Ana", "--privilege", "14", "--card", "123456")]);
    expect(add).toMatchObject({ code: 0, stderr: "" });
    expect(add.stdout).toMatch(/User '4711' created \(uid 4\)/);
    expect(sim.state.users().find((u) => u.userId === "4711")).toMatchObject({ uid: 4, name: "Ana", privilege: 14, card: 123456, format: profile === "tft" ? 72 : 28 });

    const dup = await cli(["add-user", ...t("--user-id", "4711", "--name", "Again")]);
    expect(dup.code).toBe(1);
    expect(dup.stderr.trim()).toBe("error: USER_EXISTS: User '4711' already exists.");

    const del = await cli(["delete-user", ...t("--user-id", "4711", "--json")]);
    expect(del.code).toBe(0);
    expect(JSON.parse(del.stdout)).toMatchObject({ deleted: { uid: 4, user_id: "4711" } });
    expect(sim.state.users().some((u) => u.userId === "4711")).toBe(false);

    const gone = await cli(["delete-user", ...t("--user-id", "4711")]);
    expect(gone).toMatchObject({ code: 1, stdout: "" });
    expect(gone.stderr.trim()).toBe("error: USER_NOT_FOUND: User '4711' not found.");
    expect(sim.state.enabled).toBe(true);
    // One REFRESHDATA right after each write, sent by the CLI (the client's writes leave it to the caller).
    const log = sim.commandLog.map((e) => e.command);
    for (const write of [codec.CMD.userWrq, codec.CMD.deleteUser]) {
      const at = log.indexOf(write);
      expect(log[at + 1]).toBe(codec.CMD.refreshData);
    }
    expect(log.filter((c) => c === codec.CMD.refreshData)).toHaveLength(2);
  });

  test("a password longer than the record's field is refused, not cut; nothing is written", async () => {
    const sim = await pool.start({ profile, users: 3 });
    const t = (...a: string[]) => target(sim, "--transport", transport, ...a);
    const tooLong = profile === "tft" ? "123456789" : "123456";
    const r = await cli(["add-user", ...t("--user-id", "4712", "--name", "Pin", "--password", tooLong)]);
    // Over 8 bytes fits no terminal: a bad argument, refused before dialling. 6-8 bytes: refused by the client on a
    // 28-byte terminal, once it knows the record format.
    expect(r).toMatchObject(profile === "tft" ? { code: 2, stdout: "" } : { code: 1, stdout: "" });
    const code = profile === "tft" ? "BAD_REQUEST: --password: " : "VALIDATION_FAILED: ";
    expect(r.stderr.trim()).toMatch(new RegExp(`^error: ${code}password of \\d+ bytes does not fit the [58]-byte field`));
    expect(r.stderr).not.toContain(tooLong);
    expect(sim.state.users().some((u) => u.userId === "4712")).toBe(false);
    expect(sim.state.enabled).toBe(true);
    const fits = profile === "tft" ? "12345678" : "12345";
    expect((await cli(["add-user", ...t("--user-id", "4712", "--name", "Pin", "--password", fits)])).code).toBe(0);
    expect(sim.state.users().find((u) => u.userId === "4712")?.password).toBe(fits);
  });

  test("a write whose REFRESHDATA goes unanswered still reports success, with a warning", async () => {
    const sim = await pool.start({ profile, users: 3 });
    sim.faults.set({ kind: "silence", after: { command: codec.CMD.refreshData }, once: true });
    const r = await cli(["delete-user", ...target(sim, "--transport", transport, "--timeout", "300", "--user-id", sim.state.users()[0]!.userId)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deleted/);
    expect(r.stderr.trim()).toMatch(/^warning: the change was made, but the terminal did not confirm REFRESHDATA \(DEVICE_TIMEOUT/);
    expect(sim.state.users()).toHaveLength(2);
    expect(sim.state.enabled).toBe(true);
  });

  test("sync-time sets the terminal clock to this machine's local time", async () => {
    const sim = await pool.start({ profile });
    sim.setTime({ year: 2001, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
    const r = await cli(["sync-time", ...target(sim, "--transport", transport)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Device time set to \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\n$/);
    expect(sim.state.time().year).toBe(new Date().getFullYear());
    const log = sim.commandLog.map((e) => e.command);
    expect(log[log.indexOf(codec.CMD.setTime) + 1]).toBe(codec.CMD.refreshData);
  });
});

describe.concurrent("failures: one line, stable code, non-zero exit", () => {
  test("a 28-byte terminal refuses a non-numeric user_id", async () => {
    const sim = await pool.start({ profile: "zk6", users: 1 });
    const r = await cli(["add-user", ...target(sim, "--transport", "udp", "--user-id", "A-7", "--name", "X")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: VALIDATION_FAILED: user_id 'A-7' must be a number/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("unreachable device: the seed's message", async () => {
    const port = await closedPort();
    const r = await cli(["info", "--ip", HOST, "--port", String(port), "--transport", "tcp", "--timeout", "500"]);
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr.trim()).toBe(`error: DEVICE_UNREACHABLE: Connection timeout to device ${HOST}:${port}`);
  });

  test("wrong comm key: DEVICE_AUTH_FAILED, and the key is never printed", async () => {
    const sim = await pool.start({ profile: "tft", commKey: 1234 });
    const r = await cli(["users", ...target(sim, "--comm-key", KEY)]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: DEVICE_AUTH_FAILED: /);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  test("bad arguments through the real binary: exit 2, one line", async () => {
    const r = await cli(["users", "--ip", HOST, "--comm-key", `x${KEY}`]);
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr.trim()).toBe("error: BAD_REQUEST: --comm-key must be a whole number from 0 to 4294967295 (see: zk-relay-agent device --help)");
  });
});

// parseArgs and validation in this process (console captured, so not concurrent): no device, no spawn needed.
describe("argument checks", () => {
  test.each([
    [["info"], /--ip is required/],
    [["reboot", "--ip", HOST], /unknown command 'reboot'/],
    [["delete-user", "--ip", HOST], /--user-id is required/],
    [["users", "--ip", HOST, "--transport", "serial"], /--transport must be tcp, udp or auto/],
    [["users", "--ip", HOST, "--comm-key", "x8675309"], /--comm-key must be a whole number/],
    [["users", "--ip", HOST, "--json", KEY], /unexpected argument/],
    [["users", "--ip", HOST, "--frobnicate"], /Unknown option '--frobnicate'/],
    [["attendance", "--ip", HOST, "--date", "2024/01/01"], /--date must be YYYY-MM-DD/],
    [["attendance", "--ip", HOST, "--date", "2024-02-30"], /--date must be YYYY-MM-DD/],
    [["add-user", "--ip", HOST, "--user-id", "1", "--name", "X", "--password", "123456789"], /password of 9 bytes does not fit/],
  ])("bad arguments %j → exit 2", async (args, pattern) => {
    const r = await inProcess(args);
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr).toMatch(/^error: BAD_REQUEST: /);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toContain(KEY);
  });

  test("--help prints usage and exits 0", async () => {
    const r = await inProcess(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: zk-relay-agent device </);
  });
});
