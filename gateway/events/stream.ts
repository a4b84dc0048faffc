// Big exports as a stream (CSV or NDJSON), read from D1 page by page, so no answer has to fit in memory at once.
import type { Context } from "hono";

export type ExportFormat = "csv" | "ndjson";

/** The export format the Accept header asks for; undefined = the JSON envelope. */
export function exportFormat(c: Context): ExportFormat | undefined {
  const accept = (c.req.header("Accept") ?? "").toLowerCase();
  if (accept.includes("text/csv")) return "csv";
  if (accept.includes("application/x-ndjson") || accept.includes("application/ndjson")) return "ndjson";
  return undefined;
}

/** One CSV field, quoted when it must be (RFC 4180). */
function csvField(v: unknown): string {
  const s = v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Streams the items `pages` yields as CSV (with `columns` as the header) or NDJSON. `pages` is pulled only as the
 * client reads, so a slow reader holds back the D1 reads instead of filling memory. Answered through `c`, so the
 * headers every answer carries (X-Request-Id, Content-Language: docs/http-api.md §12) are on the stream too.
 */
export function streamExport<T extends object>(c: Context, format: ExportFormat, columns: readonly (keyof T & string)[], pages: AsyncIterable<T[]>, headers: Record<string, string> = {}): Response {
  const encoder = new TextEncoder();
  const iterator = pages[Symbol.asyncIterator]();
  let headerSent = format !== "csv";
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = "";
      if (!headerSent) {
        text += `${columns.join(",")}\r\n`;
        headerSent = true;
      }
      const next = await iterator.next();
      if (next.done) {
        if (text) controller.enqueue(encoder.encode(text));
        controller.close();
        return;
      }
      for (const item of next.value) {
        const rec = item as Record<string, unknown>;
        text += format === "csv" ? `${columns.map((k) => csvField(rec[k])).join(",")}\r\n` : `${JSON.stringify(item)}\n`;
      }
      controller.enqueue(encoder.encode(text));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  const type = format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
  return c.body(body, 200, { "Content-Type": type, ...headers });
}
