// The gateway's Hono app: edge middleware in order, one sub-app per resource, one error handler.
import { Hono, type Context } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import { apiKeyAuth } from "./auth/api-key";
import { deviceFromPath } from "./auth/device-scope";
import { audit } from "./audit";
import type { AppEnv } from "./http/app-env";
import { cors } from "./http/cors";
import { methodNotAllowedAnswer, notFound, onError } from "./http/errors";
import { language } from "./http/language";
import { requestId } from "./http/request-id";
import { idempotency } from "./idempotency";
import { agentConnect } from "./relay/connect";
import { adminKeys } from "./routes/admin-keys";
import { adminSites } from "./routes/admin-sites";
import { attendance } from "./routes/attendance";
import { auditLog } from "./routes/audit";
import { devices } from "./routes/devices";
import { docs } from "./routes/docs";
import { events } from "./routes/events";
import { offboarding } from "./routes/offboarding";
import { people } from "./routes/people";
import { root } from "./routes/root";
import { terminal } from "./routes/terminal";
import { users } from "./routes/users";
import { consoleApp } from "./ui/app";
import { webhooks } from "./routes/webhooks";

const PUBLIC_PATHS = new Set(["/", "/openapi.json", "/docs"]);

/** docs/http-api.md §3: these need no API key (HEAD like GET); /agent/connect checks the site token itself. */
function isPublic(c: Context<AppEnv>): boolean {
  const read = c.req.method === "GET" || c.req.method === "HEAD";
  // The console (/ui) authenticates with its own session cookie and calls the API in-process (docs/console.md §3).
  const ui = c.req.path === "/ui" || c.req.path.startsWith("/ui/");
  return (read && PUBLIC_PATHS.has(c.req.path)) || c.req.path.startsWith("/agent/") || ui;
}

export const app = new Hono<AppEnv>();

// Outermost first: CORS answers preflights before anything asks for a key; 405 rewrites the final 404; audit sees
// the final answer; idempotency wraps only the route.
app.use(cors());
app.use(methodNotAllowed<AppEnv>({ app, onMethodNotAllowed: methodNotAllowedAnswer }));
app.use(requestId());
app.use(language());
app.use(apiKeyAuth({ isPublic }));
app.use(audit());
// Site tokens and API keys are shown once and stored hashed: their answers are never kept for replay.
app.use(idempotency({ exclude: (c) => c.req.path.startsWith("/admin/") }));

app.route("/", root);
app.route("/", docs);
app.route("/agent", agentConnect);
app.route("/devices", devices);
// Every /devices/{id}/… route starts from the registry row the caller may see (else the seed's 404).
app.use("/devices/:id/*", deviceFromPath());
app.route("/devices/:id", users);
// Every terminal operation, as declared in shared/ops.ts.
app.route("/", terminal);
app.route("/", attendance);
app.route("/users", offboarding);
app.route("/", people);
app.route("/admin/sites", adminSites);
app.route("/admin/keys", adminKeys);
app.route("/admin/webhooks", webhooks);
app.route("/audit", auditLog);
app.route("/events", events);
app.route("/ui", consoleApp((req, env, ctx) => app.fetch(req, env, ctx)));

app.notFound(notFound);
app.onError(onError);
