// Rows of the ZK read benchmark: the printed table and the per-row verdict (fastest client, ratio to the bound).
import type { Transport, What } from "./zk-clients";

/** Our client's goal: at most this many times the simulator's lower bound on every row. */
export const GOAL_RATIO = 1.3;
const OURS = "zk-relay";

export interface Row {
  client: string;
  transport: Transport;
  what: What;
  /** Terminal profile: TCP rows read a TFT terminal (72/40-byte records), UDP rows a ZK6 one (28/16 bytes). */
  profile: "tft" | "zk6";
  /** A variant of another client, for information (not part of the verdict). */
  variant: boolean;
  /** Median of the measured runs. */
  ms: number | null;
  runsMs: number[];
  /** Packets and bytes (TCP frame prefixes included) the terminal sent for the median run. */
  packets: number | null;
  bytes: number | null;
  /** packets × latency + bytes ÷ throughput: the fastest any client could be with those packets. */
  lowerBoundMs: number | null;
  /** ms ÷ lowerBoundMs. */
  ratio: number | null;
  records: number | null;
  ok: boolean;
  error?: string;
  unsupported?: string;
}

export function formatTable(rows: readonly Row[]): string {
  const head = ["client", "transport", "what", "ms", "runs", "packets", "bytes", "bound ms", "× bound", "result"];
  const body = rows.map((r) => [
    r.client,
    `${r.transport} (${r.profile})`,
    r.what,
    r.ms === null ? "-" : r.ms.toFixed(1),
    r.runsMs.length === 0 ? "-" : r.runsMs.map((m) => m.toFixed(0)).join("/"),
    r.packets === null ? "-" : String(r.packets),
    r.bytes === null ? "-" : String(r.bytes),
    r.lowerBoundMs === null ? "-" : r.lowerBoundMs.toFixed(1),
    r.ratio === null ? "-" : r.ratio.toFixed(2),
    r.unsupported ? "unsupported" : r.ok ? `ok (${r.records})` : `FAILED: ${r.error}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const right = (i: number) => i >= 3 && i <= 8;
  const line = (cells: string[]) => cells.map((c, i) => (right(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** One line per transport × table: who was fastest, and whether our client met the goal there. */
export function verdicts(rows: readonly Row[]): string[] {
  const out: string[] = [];
  const keys = [...new Set(rows.map((r) => `${r.transport} ${r.what}`))];
  for (const key of keys) {
    const group = rows.filter((r) => `${r.transport} ${r.what}` === key && !r.variant && r.ok && r.ms !== null);
    const ours = group.find((r) => r.client === OURS);
    if (!ours) {
      out.push(`${key}: ${OURS} has no result`);
      continue;
    }
    const others = group.filter((r) => r !== ours);
    const fastest = others.every((r) => ours.ms! < r.ms!);
    const within = ours.ratio !== null && ours.ratio <= GOAL_RATIO;
    const vs = others.length === 0 ? "no other client can read this row" : others.map((r) => `${r.client} ${r.ms!.toFixed(1)}`).join(", ");
    out.push(
      `${key}: ${OURS} ${ours.ms!.toFixed(1)} ms (${vs}); ${ours.ratio?.toFixed(2)}× its bound — ` +
        `${fastest ? "fastest" : "NOT fastest"}, ${within ? `within ${GOAL_RATIO}×` : `ABOVE ${GOAL_RATIO}×`}`,
    );
  }
  return out;
}
