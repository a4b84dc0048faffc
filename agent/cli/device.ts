// `zk-relay-agent device …`: the technician's direct line to one terminal on the LAN, no gateway involved.
import { parseArgs } from "node:util";
import { isErrorCode, type ErrorCode } from "../../shared/errors";
import { freeUid } from "../ops/guard";
import { toAttendance, toUser } from "../ops/map";
import { codec, isZkError, withZkSession, type ZkClientConnectOptions } from "../zk";
import type { ZkSession, ZkUser } from "../zk/types";
import * as out from "./device-format";

const COMMANDS = ["info", "users", "attendance", "add-user", "delete-user", "time", "sync-time", "fingers"] as const;
type Command = (typeof COMMANDS)[number];

const USAGE = `usage: zk-relay-agent device <${COMMANDS.join("|")}> --ip <ip> [--port 4370] [--comm-key N]
       [--transport tcp|udp|auto] [--timeout ms] [--json]
  add-user     --user-id <id> --name <name> [--privilege N] [--password P] [--card N]
  delete-user  --user-id <id>
  fingers      --user-id <id>
  attendance   [--user-id <id>] [--date YYYY-MM-DD]`;

const OPTIONS = {
  ip: { type: "string" },
  port: { type: "string" },
  "comm-key": { type: "string" },
  transport: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  "user-id": { type: "string" },
  name: { type: "string" },
  privilege: { type: "string" },
  password: { type: "string" },
  card: { type: "string" },
  date: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

/** An error the CLI reports with its own code (bad arguments, user not found…). */
class CliError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Runs one device command; resolves to the exit code (0 ok, 1 failure, 2 bad arguments). Errors: one stderr line. */
export async function runDeviceCli(argv: string[]): Promise<number> {
  try {
    const { command, values } = parse(argv);
    if (command === "help") {
      console.log(USAGE);
      return 0;
    }
    const result = await run(command, values, connectOptions(values));
    console.log(values.json ? JSON.stringify(result.json, null, 2) : result.text);
    if (result.warning) console.error(`warning: ${result.warning.replace(/\s*\n\s*/g, " ")}`);
    return 0;
  } catch (err) {
    const { code, message } = describe(err);
    // One line on stderr; the comm key never appears in any message we build (ZK errors carry host:port only).
    const hint = code === "BAD_REQUEST" ? " (see: zk-relay-agent device --help)" : "";
    console.error(`error: ${code}: ${message.replace(/\s*\n\s*/g, " ")}${hint}`);
    return code === "BAD_REQUEST" ? 2 : 1;
  }
}

function parse(argv: string[]): { command: Command | "help"; values: Values } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as { code?: string; message: string };
    // Never echo a stray positional: it may be a comm key typed after a misspelt option.
    throw new CliError("BAD_REQUEST", e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" ? "unexpected argument" : e.message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === "help") return { command: "help", values };
  const [command, ...extra] = positionals;
  if (!command) throw new CliError("BAD_REQUEST", "missing command");
  if (!(COMMANDS as readonly string[]).includes(command)) throw new CliError("BAD_REQUEST", `unknown command '${command}'`);
  if (extra.length > 0) throw new CliError("BAD_REQUEST", "unexpected argument");
  return { command: command as Command, values };
}

function connectOptions(v: Values): ZkClientConnectOptions {
  if (!v.ip) throw new CliError("BAD_REQUEST", "--ip is required");
  const transport = v.transport ?? "auto";
  if (transport !== "tcp" && transport !== "udp" && transport !== "auto") throw new CliError("BAD_REQUEST", "--transport must be tcp, udp or auto");
  return {
    host: v.ip,
    port: int(v.port, "--port", 1, 65535) ?? 4370,
    commKey: int(v["comm-key"], "--comm-key", 0, 0xffffffff) ?? 0,
    transport,
    timeoutMs: int(v.timeout, "--timeout", 1, 600_000) ?? 5000,
  };
}

/** A whole number in range, or undefined when absent; the message never repeats the value (it may be the key). */
function int(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new CliError("BAD_REQUEST", `${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(text);
}

function requireUserId(v: Values): string {
  if (!v["user-id"]) throw new CliError("BAD_REQUEST", "--user-id is required");
  return v["user-id"];
}

interface Output {
  text: string;
  json: unknown;
  /** Printed on stderr after the result: something went wrong after the change was made. */
  warning?: string;
}

/**
 * REFRESHDATA once after a write (§8.10): the client's writes leave it to the caller. The write's own reply is the
 * commit point, so a refresh that fails turns into a warning, never into "failed" for a change that was made.
 */
async function refreshAfterWrite(s: ZkSession): Promise<string | undefined> {
  try {
    await s.refreshData();
    return undefined;
  } catch (err) {
    const { code, message } = describe(err);
    return `the change was made, but the terminal did not confirm REFRESHDATA (${code}: ${message}); it may show it only after a restart`;
  }
}

async function run(command: Command, v: Values, opts: ZkClientConnectOptions): Promise<Output> {
  switch (command) {
    case "info": {
      const info = await withZkSession(opts, (s) => s.info());
      return { text: out.infoText(info), json: out.infoJson(info) };
    }
    case "users": {
      const users = await withZkSession(opts, (s) => s.getUsers());
      return { text: out.usersText(users), json: users.map(toUser) };
    }
    case "attendance": {
      const date = v.date;
      if (date !== undefined && !isCalendarDate(date)) throw new CliError("BAD_REQUEST", "--date must be YYYY-MM-DD");
      const all = await withZkSession(opts, (s) => s.getAttendance());
      const records = all.map((r) => toAttendance(r)).filter(
        (r) => (v["user-id"] === undefined || r.user_id === v["user-id"]) && (date === undefined || r.timestamp.startsWith(`${date} `)),
      );
      return { text: out.attendanceText(records), json: records };
    }
    case "add-user":
      return addUser(v, opts);
    case "delete-user": {
      const userId = requireUserId(v);
      const { user, warning } = await withZkSession(
        opts,
        async (s) => {
          const found = await findUser(s, userId);
          await s.deleteUser(found.uid);
          return { user: found, warning: await refreshAfterWrite(s) };
        },
        { disable: true },
      );
      return { text: `User '${userId}' deleted (uid ${user.uid}).`, json: { deleted: toUser(user) }, warning };
    }
    case "time": {
      const t = await withZkSession(opts, (s) => s.getTime());
      return { text: codec.formatDeviceTime(t), json: { time: codec.formatDeviceTime(t) } };
    }
    case "sync-time": {
      const { t, warning } = await withZkSession(opts, async (s) => {
        // Terminals keep local wall-clock time (§6): give them this machine's local time.
        await s.setTime(codec.fromDate(new Date()));
        const warning = await refreshAfterWrite(s);
        return { t: await s.getTime(), warning };
      });
      return { text: `Device time set to ${codec.formatDeviceTime(t)}.`, json: { time: codec.formatDeviceTime(t) }, warning };
    }
    case "fingers": {
      const userId = requireUserId(v);
      const templates = await withZkSession(opts, async (s) => {
        const user = await findUser(s, userId);
        const found = [];
        // Ten single reads (§10.2) cost less than the whole template table on a full terminal.
        for (let finger = 0; finger <= 9; finger++) {
          const t = await s.getTemplate(user.uid, finger);
          if (t) found.push(t);
        }
        return found;
      });
      return { text: out.fingersText(templates), json: { user_id: userId, fingers: templates.map(out.fingerJson) } };
    }
  }
}

async function addUser(v: Values, opts: ZkClientConnectOptions): Promise<Output> {
  const userId = requireUserId(v);
  if (v.name === undefined) throw new CliError("BAD_REQUEST", "--name is required");
  const input = {
    userId,
    name: v.name,
    privilege: int(v.privilege, "--privilege", 0, 255) ?? 0,
    password: v.password ?? "",
    card: int(v.card, "--card", 0, 0xffffffff) ?? 0,
  };
  // No record holds more than 8 password bytes: a bad argument, refused before dialling. The client itself refuses
  // 6-8 bytes once it knows the terminal has 28-byte records (VALIDATION_FAILED).
  try {
    codec.checkPasswordFits(input.password, 72);
  } catch (err) {
    throw new CliError("BAD_REQUEST", `--password: ${(err as Error).message} (5 bytes on 28-byte terminals)`);
  }
  const { user, warning } = await withZkSession(
    opts,
    async (s) => {
      // Reading the users first also tells the client which record format the terminal uses (§8.7).
      const users = await s.getUsers();
      if (users.some((u) => u.userId === userId)) throw new CliError("USER_EXISTS", `User '${userId}' already exists.`);
      const uid = freeUid(users);
      await s.setUser({ uid, ...input });
      return { user: { uid, ...input }, warning: await refreshAfterWrite(s) };
    },
    { disable: true },
  );
  const created = { uid: user.uid, user_id: userId, name: user.name, privilege: user.privilege, card: user.card };
  return { text: `User '${userId}' created (uid ${user.uid}).`, json: { created }, warning };
}

/** A real calendar day as YYYY-MM-DD, checked by the codec's own device-time parser. */
function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  try {
    codec.parseDeviceTime(`${text} 00:00:00`);
    return true;
  } catch {
    return false;
  }
}

async function findUser(s: ZkSession, userId: string): Promise<ZkUser> {
  const user = (await s.getUsers()).find((u) => u.userId === userId);
  if (!user) throw new CliError("USER_NOT_FOUND", `User '${userId}' not found.`);
  return user;
}

function describe(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof CliError || isZkError(err)) return { code: err.code, message: err.message };
  const e = err as { code?: unknown; message?: unknown };
  if (isErrorCode(e?.code)) return { code: e.code, message: String(e.message) };
  return { code: "INTERNAL", message: err instanceof Error ? err.message : String(err) };
}
