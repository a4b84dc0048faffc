// `zk-relay-agent device …` spawned as a real process against simulators of both profiles.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
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
  const code = await runDeviceCli(args, { stdout: { write: (t: string) => stdout.push(t) }, stderr: { write: (t: string) => stderr.push(t) } });
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

const tmp = mkdtempSync(join(tmpdir(), "zk-cli-"));

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
    // The HTTP API's field names (GET /devices/{id}/info's data).
    expect(JSON.parse(infoJson.stdout)).toMatchObject({ serial: sim.state.serial, counts: { users: 6, records: 20, fingers: 8 }, fp_version: "10" });
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
    expect(JSON.parse(fingers.stdout)).toEqual(
      wantFingers.map((finger) => ({ finger, size: sim.state.templates().find((x) => x.uid === owner.uid && x.finger === finger)!.template.length, valid: true })),
    );
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
    expect(dup.stderr.trim()).toBe("error: USER_EXISTS: User '4711' already exists");

    const upd = await cli(["update-user", ...t("--user-id", "4711", "--card", "99", "--json")]);
    expect(upd.code).toBe(0);
    expect(JSON.parse(upd.stdout)).toEqual({ uid: 4, user_id: "4711", name: "Ana", privilege: 14, card: 99, group_id: "1" });

    const del = await cli(["delete-user", ...t("--user-id", "4711", "--json")]);
    expect(del.code).toBe(0);
    expect(JSON.parse(del.stdout)).toMatchObject({ user: { uid: 4, user_id: "4711" }, fingers: 0 });
    expect(sim.state.users().some((u) => u.userId === "4711")).toBe(false);

    const gone = await cli(["delete-user", ...t("--user-id", "4711")]);
    expect(gone).toMatchObject({ code: 1, stdout: "" });
    expect(gone.stderr.trim()).toBe("error: USER_NOT_FOUND: User '4711' not found");
    expect(sim.state.enabled).toBe(true);
  });

  test("delete-user --snapshot-out, then restore-user --snapshot: the same record and fingerprints come back", async () => {
    const sim = await pool.start({ profile, users: 4, templates: 8 });
    const t = (...a: string[]) => target(sim, "--transport", transport, ...a);
    const owner = sim.state.users().find((u) => sim.state.templates().some((x) => x.uid === u.uid))!;
    const fingers = sim.state.templates().filter((x) => x.uid === owner.uid);
    const file = join(tmp, `snap-${profile}.json`);
    const del = await cli(["delete-user", ...t("--user-id", owner.userId, "--snapshot-out", file)]);
    expect(del).toMatchObject({ code: 0, stderr: "" });
    expect(del.stdout).toContain(`${fingers.length} fingerprint(s)`);
    expect(sim.state.users().some((u) => u.uid === owner.uid)).toBe(false);
    // The same op as the relay: templates read before the delete, removed after it.
    expect(sim.state.templates().some((x) => x.uid === owner.uid)).toBe(false);
    const doc = JSON.parse(readFileSync(file, "utf8"));
    expect(doc.snapshot).toMatchObject({ format: owner.format, user: { user_id: owner.userId } });
    // An existing file is never overwritten, and nothing is deleted then.
    const again = await cli(["delete-user", ...t("--user-id", sim.state.users()[0]!.userId, "--snapshot-out", file)]);
    expect(again.code).toBe(2);
    expect(sim.state.users()).toHaveLength(3);

    const back = await cli(["restore-user", ...t("--snapshot", file, "--json")]);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ user: { user_id: owner.userId }, fingers: fingers.length });
    const restored = sim.state.users().find((u) => u.userId === owner.userId)!;
    expect(Buffer.from(restored.raw).toString("hex")).toBe(Buffer.from(owner.raw).toString("hex"));
    expect(sim.state.templates().filter((x) => x.uid === owner.uid).map((x) => Buffer.from(x.template).toString("hex")).sort()).toEqual(
      fingers.map((x) => Buffer.from(x.template).toString("hex")).sort(),
    );
    expect(sim.state.enabled).toBe(true);
  });

  test("fields are checked against the terminal's byte limits: refused, not cut; nothing is written", async () => {
    const sim = await pool.start({ profile, users: 3 });
    const t = (...a: string[]) => target(sim, "--transport", transport, ...a);
    const tooLong = profile === "tft" ? "123456789" : "123456";
    const r = await cli(["add-user", ...t("--user-id", "4712", "--name", "Pin", "--password", tooLong)]);
    // Over 8 digits fits no terminal: the op's own schema refuses it as an argument. 6-8: refused on 28-byte terminals.
    expect(r).toMatchObject(profile === "tft" ? { code: 2, stdout: "" } : { code: 1, stdout: "" });
    expect(r.stderr.trim()).toMatch(profile === "tft" ? /^error: BAD_REQUEST: --password: / : /^error: VALIDATION_FAILED: password is 6 bytes .* at most 5 bytes/);
    expect(r.stderr).not.toContain(tooLong);
    const name = await cli(["add-user", ...t("--user-id", "4713", "--name", profile === "tft" ? "é".repeat(24) : "Ana Perez Garcia")]);
    expect(name.code).toBe(1);
    expect(name.stderr).toMatch(/^error: VALIDATION_FAILED: name .* at most (23|8) bytes of name/);
    expect(sim.state.users().some((u) => u.userId === "4712" || u.userId === "4713")).toBe(false);
    expect(sim.state.enabled).toBe(true);
    const fits = profile === "tft" ? "12345678" : "12345";
    expect((await cli(["add-user", ...t("--user-id", "4712", "--name", "Pin", "--password", fits)])).code).toBe(0);
    expect(sim.state.users().find((u) => u.userId === "4712")?.password).toBe(fits);
  });

  test("a delete whose REFRESHDATA goes unanswered still reports success, with a warning", async () => {
    const sim = await pool.start({ profile, users: 3, templates: 0 });
    sim.faults.set({ kind: "silence", after: { command: codec.CMD.refreshData }, once: true });
    const r = await cli(["delete-user", ...target(sim, "--transport", transport, "--timeout", "1", "--user-id", sim.state.users()[0]!.userId)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deleted/);
    expect(r.stderr).toMatch(/user deleted, but the clean-up after it failed/);
    expect(sim.state.users()).toHaveLength(2);
    expect(sim.state.enabled).toBe(true);
  });

  test("delete-user whose answer is lost after the terminal applied it: the op re-reads, reports the delete, keeps the snapshot", async () => {
    const sim = await pool.start({ profile, users: 3, templates: 0 });
    const victim = sim.state.users()[1]!;
    // Garbage instead of DELETE_USER's reply: the delete was applied, the client cannot know (session broken).
    sim.faults.set({ kind: "garbage", after: { command: codec.CMD.deleteUser }, once: true });
    const file = join(tmp, `lost-${profile}.json`);
    const r = await cli(["delete-user", ...target(sim, "--transport", transport, "--timeout", "1", "--user-id", victim.userId, "--snapshot-out", file)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/deleted/);
    expect(r.stderr).toMatch(/answer was lost, but the user is gone/);
    expect(JSON.parse(readFileSync(file, "utf8")).snapshot.user.user_id).toBe(victim.userId);
    expect(sim.state.users().some((u) => u.uid === victim.uid)).toBe(false);
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
    const at = await cli(["sync-time", ...target(sim, "--transport", transport, "--time", "2030-05-06 07:08:09", "--json")]);
    expect(JSON.parse(at.stdout)).toEqual({ time: "2030-05-06 07:08:09" });
    const door = await cli(["unlock", ...target(sim, "--transport", transport, "--seconds", "3")]);
    expect(door).toMatchObject({ code: 0, stdout: "Door unlocked for 3 s.\n" });
    expect(sim.commandLog.some((e) => e.command === codec.CMD.unlock)).toBe(true);
  });
});

describe.concurrent("failures: one line, stable code, non-zero exit", () => {
  test("a 28-byte terminal refuses a non-numeric user_id", async () => {
    const sim = await pool.start({ profile: "zk6", users: 1 });
    const r = await cli(["add-user", ...target(sim, "--transport", "udp", "--user-id", "A-7", "--name", "X")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: VALIDATION_FAILED: user_id 'A-7' must be a number up to 4294967295/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("unreachable device: the seed's message", async () => {
    const port = await closedPort();
    const r = await cli(["info", "--ip", HOST, "--port", String(port), "--transport", "tcp", "--timeout", "0.5"]);
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr.trim()).toBe(`error: DEVICE_UNREACHABLE: Connection timeout to device ${HOST}:${port} (reason: refused)`);
  });

  test("a host name over UDP is dialled (the default transport auto falls back to UDP on a UDP-only terminal)", async () => {
    const sim = await pool.start({ profile: "zk6", users: 2 });
    const r = await cli(["users", "--ip", "localhost", "--port", String(sim.port), "--json"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(r.stdout)).toHaveLength(2);
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
    expect(r.stderr.trim()).toBe("error: BAD_REQUEST: --comm-key must be a number (see: zk-relay-agent device --help)");
  });
});

// parseArgs and validation in this process (console captured, so not concurrent): no device, no spawn needed.
describe("argument checks", () => {
  test.each([
    [["info"], /--ip is required/],
    [["reboot", "--ip", HOST], /unknown command 'reboot'/],
    [["delete-user", "--ip", HOST], /--user-id is required/],
    [["users", "--ip", HOST, "--transport", "serial"], /--transport: /],
    [["users", "--ip", HOST, "--comm-key", "x8675309"], /--comm-key must be a number/],
    [["users", "--ip", HOST, "--timeout", "500"], /--timeout: /],
    [["users", "--ip", HOST, "--json", KEY], /unexpected argument/],
    [["users", "--ip", HOST, "--frobnicate"], /Unknown option '--frobnicate'/],
    [["attendance", "--ip", HOST, "--date", "2024/01/01"], /--date: YYYY-MM-DD/],
    [["attendance", "--ip", HOST, "--date", "2024-02-30"], /--date: not a real calendar date/],
    [["sync-time", "--ip", HOST, "--time", "2024-02-30 10:00:00"], /--time: not a real date and time/],
    [["unlock", "--ip", HOST, "--seconds", "600"], /--seconds: /],
    [["add-user", "--ip", HOST, "--user-id", "1", "--name", "X", "--password", "123456789"], /--password: /],
    [["restore-user", "--ip", HOST, "--snapshot", "/nonexistent/snap.json"], /--snapshot: cannot read/],
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
    expect(r.stdout).toMatch(/restore-user/);
  });

  test("every subcommand has its own --help listing its own flags", async () => {
    const del = await inProcess(["delete-user", "--help"]);
    expect(del.code).toBe(0);
    expect(del.stdout).toMatch(/^usage: zk-relay-agent device delete-user /);
    expect(del.stdout).toMatch(/--snapshot-out\s+write the undo snapshot/);
    expect(del.stdout).not.toMatch(/--name/);
    const add = await inProcess(["add-user", "--help"]);
    expect(add.stdout).toMatch(/--user-id\s+.*\(required\)/);
    expect(add.stdout).toMatch(/--name\s+name \(byte limit: 8 on 28-byte terminals, 23 on 72-byte ones\)/);
  });

  test("restore-user refuses a file that holds no snapshot, before dialling", async () => {
    const file = join(tmp, "not-a-snapshot.json");
    writeFileSync(file, JSON.stringify({ hello: 1 }));
    const r = await inProcess(["restore-user", "--ip", HOST, "--snapshot", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds no user snapshot/);
    expect(existsSync(file)).toBe(true);
  });
});
