// Agent logging: one JSON object per line (pretty text on a TTY), with secrets redacted before anything is written.

export type LogFormat = "json" | "pretty";
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Registers a value (token, comm key) that must never appear in output, whatever field carries it. */
  addSecret(value: string | number): void;
}

export interface LoggerOptions {
  format?: LogFormat;
  /** Where finished lines go (each ends with "\n"); defaults to stdout. */
  write?: (line: string) => void;
  /** Lowest level written; "debug" lines are dropped by default. */
  level?: LogLevel;
  secrets?: Array<string | number>;
  now?: () => Date;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** Field names whose values are secrets whatever they hold (the registry's "password" is the comm key). */
const SECRET_KEY = /pass(word)?|comm_?key|token|secret|authorization|api_?key/i;
const REDACTED = "[redacted]";
const MAX_DEPTH = 5;

/** Picks "pretty" for an interactive terminal and "json" otherwise (systemd, Docker, files). */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stdout): LogFormat {
  return stream.isTTY ? "pretty" : "json";
}

/** Copies `value` with secret-named fields and registered secret strings replaced by "[redacted]". */
export function redact(value: unknown, secrets: readonly string[] = [], depth = 0): unknown {
  if (typeof value === "string") return scrub(value, secrets);
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[…]";
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: scrub(value.message, secrets), ...(code !== undefined ? { code } : {}) };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : redact(v, secrets, depth + 1);
  return out;
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join(REDACTED);
  return out;
}

/** Creates a logger; every line passes through `redact` first. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? defaultLogFormat();
  const write = opts.write ?? ((line: string) => void process.stdout.write(line));
  const min = LEVELS[opts.level ?? "info"];
  const now = opts.now ?? (() => new Date());
  // Short numbers ("0", a 1-digit comm key) would blank out unrelated text, so only register 4+ characters;
  // secret-named fields are redacted by name regardless.
  const secrets: string[] = [];
  const addSecret = (v: string | number) => {
    const s = String(v);
    if (s.length >= 4 && !secrets.includes(s)) secrets.push(s);
  };
  for (const s of opts.secrets ?? []) addSecret(s);

  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (LEVELS[level] < min) return;
    const clean = (redact(fields ?? {}, secrets) as LogFields) ?? {};
    const time = now().toISOString();
    const text = scrub(msg, secrets);
    write(format === "json" ? JSON.stringify({ time, level, msg: text, ...clean }) + "\n" : pretty(time, level, text, clean));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    addSecret,
  };
}

function pretty(time: string, level: LogLevel, msg: string, fields: LogFields): string {
  const rest = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
    .join(" ");
  return `${time.slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}${rest ? " " + rest : ""}\n`;
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, addSecret() {} };
