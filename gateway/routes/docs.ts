// GET /openapi.json and GET /docs: the generated OpenAPI document and a plain HTML page listing the operations.
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { buildOpenApi, openApiPath } from "../openapi";
import { OPERATIONS } from "../operations";
import { VERSION } from "./root";

let cached: Record<string, unknown> | undefined;
const openApi = () => (cached ??= buildOpenApi(VERSION));

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

function page(): string {
  const rows = OPERATIONS.map(
    (op) =>
      `<tr><td><code>${op.method}</code></td><td><code>${escape(openApiPath(op.path))}</code></td>` +
      `<td>${escape(op.summary)}</td><td>${escape(op.auth)}</td></tr>`,
  ).join("\n");
  // No CDN assets: the page is self-contained; the full schemas are in /openapi.json.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zk-relay API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}</style>
</head><body>
<h1>zk-relay gateway API ${escape(VERSION)}</h1>
<p>Send <code>Authorization: Bearer &lt;api key&gt;</code>. Machine-readable document: <a href="/openapi.json">/openapi.json</a>.</p>
<table><thead><tr><th>method</th><th>path</th><th>what</th><th>key role</th></tr></thead><tbody>
${rows}
</tbody></table>
</body></html>`;
}

export const docs = new Hono<AppEnv>()
  .get("/openapi.json", (c) => c.json(openApi()))
  .get("/docs", (c) => c.html(page()));
