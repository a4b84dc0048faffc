// `zk-relay-agent device …`: the technician's direct line to one terminal, running the agent's own operations.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { parseArgs } from "node:util";
import { DeviceTarget } from "../../shared/device";
import { isErrorCode, type ErrorCode } from "../../shared/errors";
import { OPS, UserSnapshot, type OpName } from "../../shared/ops";
import { createLogger } from "../log";
import { createDispatcher } from "../ops";
import { COMMON_FLAGS, deviceHelp, SUBCOMMAND_NAMES, SUBCOMMANDS, subcommandHelp, type Flags, type Subcommand, type SubcommandName } from "./device-commands";
import { startProgress, type ProgressStream } from "./progress";

/** An error the CLI reports with its own code (bad arguments mostly). */
class CliError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
}

/** A technician's command has no gateway waiting on it: the op may take as long as the terminal needs. */
const CLI_DEADLINE_MS = 10 * 60_000;

/**
 * Runs one device command through the same dispatcher the relay uses (agent/ops: per-terminal queue, session
 * handling, snapshot before delete, read-back after writes, unknown-outcome handling); resolves to the exit code:
 * 0 ok, 1 failure, 2 bad arguments. Errors are one stderr line.
 */
export async function runDeviceCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let snapshotOut: SnapshotFile | undefined;
  try {
    const parsed = parse(argv);
    if ("help" in parsed) {
      io.stdout.write(`${parsed.help}\n`);
      return 0;
    }
    const { name, flags } = parsed;
    const sub = SUBCOMMANDS[name] as Subcommand;
    const target = targetOf(flags);
    const args = opArgs(sub, name, flags);
    if (name === "delete-user" && typeof flags["snapshot-out"] === "string") snapshotOut = createSnapshotFile(flags["snapshot-out"]);
    const result = await dispatch(sub.op, target, args, sub.slow ? io.stderr : undefined, io.stderr);
    if (snapshotOut) snapshotOut.write((result as { snapshot: unknown }).snapshot, target);
    io.stdout.write(`${flags.json ? JSON.stringify(sub.json ? sub.json(result as never) : result, null, 2) : sub.text(result as never, flags)}\n`);
    return 0;
  } catch (err) {
    const { code, message, details } = describe(err);
    // delete-user whose outcome is unknown: the snapshot came with the error; keep it, the user may be gone.
    if (snapshotOut && details?.snapshot !== undefined) {
      snapshotOut.write(details.snapshot, undefined);
      io.stderr.write(`warning: the snapshot was written to ${snapshotOut.path}: restore-user can put the user back if the delete happened\n`);
    } else snapshotOut?.discard();
    // One line; the comm key never appears in any message we build (errors carry host:port only).
    const hint = code === "BAD_REQUEST" ? " (see: zk-relay-agent device --help)" : "";
    const reason = typeof details?.reason === "string" ? ` (reason: ${details.reason})` : "";
    io.stderr.write(`error: ${code}: ${message.replace(/\s*\n\s*/g, " ")}${reason}${hint}\n`);
    return code === "BAD_REQUEST" ? 2 : 1;
  }
}

type Parsed = { help: string } | { name: SubcommandName; flags: Flags };

function parse(argv: string[]): Parsed {
  const first = argv.find((a) => !a.startsWith("-"));
  if (first === undefined || first === "help") return { help: deviceHelp() };
  if (!(SUBCOMMAND_NAMES as string[]).includes(first)) throw new CliError("BAD_REQUEST", `unknown command '${first}'`);
  const name = first as SubcommandName;
  const sub = SUBCOMMANDS[name] as Subcommand;
  const options = Object.fromEntries(Object.entries({ ...sub.flags, ...COMMON_FLAGS }).map(([k, v]) => [k, { type: v.type }]));
  let values: Flags;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: options as never, allowPositionals: true, strict: true }) as { values: Flags; positionals: string[] });
  } catch (err) {
    const e = err as { code?: string; message: string };
    // Never echo a stray positional: it may be a comm key typed after a misspelt option.
    throw new CliError("BAD_REQUEST", e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" ? "unexpected argument" : e.message);
  }
  if (values.help) return { help: subcommandHelp(name) };
  if (positionals.length > 1) throw new CliError("BAD_REQUEST", "unexpected argument");
  for (const flag of sub.required ?? []) if (values[flag] === undefined) throw new CliError("BAD_REQUEST", `--${flag} is required`);
  return { name, flags: values };
}

/** Flag names of the target's fields, for messages (the comm key's value is never repeated). */
const TARGET_FLAG: Record<string, string> = { ip: "--ip", port: "--port", password: "--comm-key", timeout: "--timeout", transport: "--transport" };

/** The terminal as a registry entry would describe it, checked by the same schema the relay frames use. */
function targetOf(f: Flags): DeviceTarget {
  if (typeof f.ip !== "string") throw new CliError("BAD_REQUEST", "--ip is required");
  const number = (flag: string, v: unknown, dflt: number) => {
    if (v === undefined) return dflt;
    if (typeof v !== "string" || !/^\d+(\.\d+)?$/.test(v)) throw new CliError("BAD_REQUEST", `${flag} must be a number`);
    return Number(v);
  };
  const parsed = DeviceTarget.safeParse({
    id: "cli",
    ip: f.ip,
    port: number("--port", f.port, 4370),
    password: number("--comm-key", f["comm-key"], 0),
    timeout: number("--timeout", f.timeout, 5),
    transport: f.transport ?? "auto",
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = TARGET_FLAG[String(issue.path[0])] ?? String(issue.path[0]);
    throw new CliError("BAD_REQUEST", `${flag}: ${issue.message}`);
  }
  return parsed.data;
}

/** The op's arguments, validated by the op's own schema (shared/ops), exactly as the agent validates relay requests. */
function opArgs(sub: Subcommand, name: SubcommandName, f: Flags): unknown {
  const raw = name === "restore-user" ? { snapshot: readSnapshotFile(String(f.snapshot)) } : sub.args(f);
  const parsed = OPS[sub.op].args.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? "");
  const flag = key === "snapshot" ? "--snapshot" : `--${key.replace(/_/g, "-")}`;
  throw new CliError("BAD_REQUEST", `${flag}: ${issue.message}`);
}

async function dispatch(op: OpName, device: DeviceTarget, args: unknown, progressTo: ProgressStream | undefined, stderr: ProgressStream) {
  // Warnings of the operation (a lost answer settled by a re-read, a clean-up that failed) as readable lines.
  const logger = createLogger({ format: "pretty", level: "warn", write: (line) => void stderr.write(line), secrets: device.password ? [device.password] : [] });
  const dispatcher = createDispatcher({ logger });
  const stop = progressTo ? startProgress(progressTo, `${op} from ${device.ip}:${device.port}`) : () => {};
  try {
    return await dispatcher.dispatch({ op, device, args, deadline: Date.now() + CLI_DEADLINE_MS });
  } finally {
    stop();
    // The terminal is enabled again and the session closed before the process reports anything.
    await dispatcher.pool.idle();
    dispatcher.pool.stop();
  }
}

interface SnapshotFile {
  path: string;
  write(snapshot: unknown, device: DeviceTarget | undefined): void;
  discard(): void;
}

/**
 * Created (exclusively) before the delete, so a path that cannot be written fails before the user is gone; the
 * snapshot is written into it once the operation answers.
 */
function createSnapshotFile(path: string): SnapshotFile {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (err) {
    throw new CliError("BAD_REQUEST", `--snapshot-out: cannot create ${path}: ${(err as Error).message}`);
  }
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    path,
    write(snapshot, device) {
      const doc = { kind: "zk-relay user snapshot", device: device ? `${device.ip}:${device.port}` : undefined, taken_at: new Date().toISOString(), snapshot };
      writeSync(fd, `${JSON.stringify(doc, null, 2)}\n`);
      close();
    },
    discard() {
      close();
      unlinkSync(path);
    },
  };
}

/** A delete-user --snapshot-out file (or a bare snapshot, as the gateway stores them). */
function readSnapshotFile(path: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new CliError("BAD_REQUEST", `--snapshot: cannot read ${path}: ${(err as Error).message}`);
  }
  const snapshot = (doc as { snapshot?: unknown } | null)?.snapshot ?? doc;
  if (!UserSnapshot.safeParse(snapshot).success) throw new CliError("BAD_REQUEST", `--snapshot: ${path} holds no user snapshot`);
  return snapshot;
}

function describe(err: unknown): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
  const e = err as { code?: unknown; message?: unknown; details?: unknown };
  const details = e?.details && typeof e.details === "object" ? (e.details as Record<string, unknown>) : undefined;
  if (isErrorCode(e?.code)) return { code: e.code, message: String(e.message), details };
  return { code: "INTERNAL", message: err instanceof Error ? err.message : String(err) };
}
