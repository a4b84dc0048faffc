// Result rows of the system benchmark: the printed table and bench/results/system.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { dirname } from "node:path";

export interface Row {
  bench: "relay" | "throughput" | "delete" | "webhook";
  what: string;
  median_ms?: number;
  p90_ms?: number;
  p99_ms?: number;
  rps?: number;
  /** Wall time (median of `n` repetitions for the delete rows). */
  ms?: number;
  /** ZK packets the terminal sent (simulator packetsSent). */
  packets?: number;
  /** ZK requests the terminal received (simulator commandLog entries). */
  commands?: number;
  /** ZK sessions opened (CONNECT requests in the command log). */
  sessions?: number;
  /** Samples or repetitions behind the figure. */
  n?: number;
  /** Requests that did not answer 2xx in the envelope. */
  errors?: number;
}

export function machine(): { cpus: number; cpu_model: string; node: string; platform: string } {
  return { cpus: availableParallelism(), cpu_model: cpus()[0]?.model ?? "unknown", node: process.version, platform: `${process.platform}-${process.arch}` };
}

const COLUMNS: Array<[keyof Row, string]> = [
  ["median_ms", "median ms"],
  ["p90_ms", "p90 ms"],
  ["p99_ms", "p99 ms"],
  ["rps", "req/s"],
  ["ms", "wall ms"],
  ["packets", "packets"],
  ["commands", "cmds"],
  ["sessions", "sessions"],
  ["n", "n"],
  ["errors", "errors"],
];

/** A plain-text table: bench, what, then only the numeric columns some row fills. */
export function formatTable(rows: readonly Row[]): string {
  const used = COLUMNS.filter(([key]) => rows.some((r) => r[key] !== undefined));
  const header = ["bench", "what", ...used.map(([, label]) => label)];
  const body = rows.map((r) => [r.bench, r.what, ...used.map(([key]) => (r[key] === undefined ? "" : String(r[key])))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(fmt)].join("\n");
}

export function writeResults(path: string, rows: readonly Row[], meta: Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ machine: machine(), meta, rows }, null, 2)}\n`);
}
