// Builds the OpenAPI 3.1 document from the operation declarations, their zod schemas (z.toJSONSchema) and the error contract.
import { z } from "zod";
import { ERROR_CODES, ERRORS, errorSpec, type ErrorCode } from "../shared/errors";
import { message } from "../shared/messages";
import { OPERATIONS, type Operation } from "./operations";

type Json = Record<string, unknown>;

/** JSON Schema (2020-12, as OpenAPI 3.1 uses) of a zod schema, without the `$schema` line. */
function schemaOf(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
  return rest;
}

const ERROR_SCHEMA: Json = {
  type: "object",
  required: ["success", "error", "code"],
  properties: {
    success: { const: false },
    error: { type: "string", description: "Human text: Spanish by default, English with Accept-Language: en" },
    code: { enum: ERROR_CODES, description: "Stable machine code; program against it" },
    disponibles: { type: "array", items: { type: "string" }, description: "DEVICE_NOT_FOUND: the device ids the key may see" },
    details: {
      type: "array",
      description: "VALIDATION_FAILED: one entry per invalid field",
      items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } },
    },
    data: { type: "object", description: "Ping's 503: `{reachable: false}`" },
  },
};

const HEADERS: Json = {
  "X-Request-Id": {
    description: "This request's id, as the gateway logs it (a client's own X-Request-Id comes back as X-Client-Request-Id)",
    schema: { type: "string" },
  },
  "Content-Language": { description: "Language of the human messages: es (default) or en", schema: { enum: ["es", "en"] } },
  "Idempotent-Replayed": {
    description: "`true` when this is the stored answer of an earlier request with the same Idempotency-Key",
    schema: { const: "true" },
  },
  "WWW-Authenticate": { description: "Bearer challenge of a 401", schema: { type: "string" } },
  Upgrade: { description: "`websocket`: what /agent/connect expects", schema: { const: "websocket" } },
};
const header = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** Values the examples fill messages with (loopback only: documentation never names a real address). */
const SAMPLE = {
  device_id: "bodega",
  user_id: "123",
  site_id: "norte",
  key_id: "key_0123456789abcdef",
  detail: "Connection timeout to device 127.0.0.1:4370",
  finger: 0,
  time: "2026-11-27 08:00:00",
};

/** Success answers worth showing (the seed's delete word for word); redocly checks each against its schema. */
const SUCCESS_EXAMPLES: Record<string, Json> = {
  status: { success: true, data: { service: "zk-relay", status: "ok", version: "0.1.0", devices: 2 } },
  "users.delete": { success: true, message: message("es", "USER_DELETED", SAMPLE) },
  "users.offboard": {
    success: true,
    data: {
      offboarding_id: "off_0123456789abcdef0123456789abcdef",
      user_id: "123",
      results: [
        { device: "entrada", status: "deleted" },
        { device: "principal", status: "not_found" },
      ],
    },
  },
  "time.get": { success: true, data: { time: SAMPLE.time } },
  "time.sync": { success: true, message: message("es", "TIME_SYNCED", SAMPLE), data: { time: SAMPLE.time } },
  "door.unlock": { success: true, message: message("es", "DOOR_UNLOCKED", { seconds: 3 }), data: { seconds: 3 } },
  "device.ping": { success: true, data: { reachable: true, time: SAMPLE.time } },
};

/** `/devices/:id` → `/devices/{id}` */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, "{$1}");
}

/** Codes a relayed op may answer whatever it is: whatever the error contract lets an agent (or the relay) say. */
const RELAYED: ErrorCode[] = ERROR_CODES.filter((c) => errorSpec(c).agent !== undefined && c !== "USER_NOT_FOUND" && c !== "USER_EXISTS");

/** Every code `op` may answer: its own, and what auth, path ids, bodies, idempotency and the relay add. */
export function errorCodes(op: Operation): ErrorCode[] {
  const codes = new Set<ErrorCode>(op.errors);
  if (op.auth !== "public") codes.add("UNAUTHORIZED");
  if (op.auth === "site-token") codes.add("UPGRADE_REQUIRED");
  if (op.auth === "write" || op.auth === "admin") codes.add("FORBIDDEN");
  // A malformed id in the path is a 400 before anything is looked up.
  if (op.path.includes(":")) codes.add("VALIDATION_FAILED");
  if (op.auth !== "public" && op.auth !== "site-token" && op.method !== "GET") {
    codes.add("VALIDATION_FAILED"); // a malformed Idempotency-Key
    if (!op.path.startsWith("/admin/")) codes.add("IDEMPOTENCY_CONFLICT");
  }
  if (op.body || op.method !== "GET") ["BAD_REQUEST", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"].forEach((k) => codes.add(k as ErrorCode));
  if (op.body || op.query) codes.add("VALIDATION_FAILED");
  if (op.relayed) RELAYED.forEach((k) => codes.add(k));
  codes.add("INTERNAL");
  return ERROR_CODES.filter((c) => codes.has(c));
}

/** The status `op` answers `code` with. */
export function statusOf(op: Operation, code: ErrorCode): number {
  return op.statusOf?.[code] ?? ERRORS[code].status;
}

function errorExample(code: ErrorCode): Json {
  const key = errorSpec(code).messages[0]!;
  const body: Json = { success: false, error: message("es", key, SAMPLE) };
  if (code === "DEVICE_NOT_FOUND") body.disponibles = ["entrada", "principal"];
  if (code === "VALIDATION_FAILED") body.details = [{ path: "user_id", message: "Too big: expected string to have <=24 characters" }];
  body.code = code;
  return body;
}

function successSchema(op: Operation): Json {
  const properties: Json = { success: { const: true } };
  const required = ["success"];
  if (op.ok.message) {
    properties.message = { type: "string" };
    required.push("message");
  }
  if (op.ok.data) {
    properties.data = schemaOf(op.ok.data, "output");
    required.push("data");
  }
  for (const [name, schema] of Object.entries(op.ok.more ?? {})) {
    properties[name] = schemaOf(schema, "output");
    required.push(name);
  }
  return { type: "object", required, properties };
}

function successResponse(op: Operation): Json {
  if (op.ok.status === 101) return { description: "Switching Protocols: the relay WebSocket (JSON frames, relay protocol v1)" };
  const headers: Json = { "X-Request-Id": header("X-Request-Id"), "Content-Language": header("Content-Language") };
  if (op.method !== "GET" && op.auth !== "public" && !op.path.startsWith("/admin/")) headers["Idempotent-Replayed"] = header("Idempotent-Replayed");
  const content: Json = { schema: successSchema(op) };
  const example = SUCCESS_EXAMPLES[op.id];
  if (example) content.example = example;
  return { description: "Success", headers, content: { "application/json": content } };
}

function errorResponses(op: Operation): Json {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodes(op)) byStatus.set(statusOf(op, code), [...(byStatus.get(statusOf(op, code)) ?? []), code]);
  const out: Json = {};
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    const headers: Json = { "X-Request-Id": header("X-Request-Id"), "Content-Language": header("Content-Language") };
    if (status === 401) headers["WWW-Authenticate"] = header("WWW-Authenticate");
    if (status === 426) headers.Upgrade = header("Upgrade");
    const examples = Object.fromEntries(codes.map((code) => [code, { summary: ERRORS[code].doc, value: errorExample(code) }]));
    out[status] = {
      description: codes.map((code) => `${code}: ${ERRORS[code].doc}`).join("; "),
      headers,
      content: {
        "application/json": {
          schema: { allOf: [{ $ref: "#/components/schemas/Error" }, { properties: { code: { enum: codes } } }] },
          examples,
        },
      },
    };
  }
  return out;
}

function operationObject(op: Operation): Json {
  const parameters: Json[] = [...op.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    description: m[1] === "user_id" ? "Badge number on the terminal" : "Normalised id: lower case, spaces become _",
    schema: { type: "string" },
  }));
  for (const [name, field] of Object.entries(op.query?.shape ?? {})) {
    const schema = field as z.ZodType;
    parameters.push({ name, in: "query", required: !schema.safeParse(undefined).success, schema: schemaOf(schema, "input") });
  }
  if (op.method !== "GET" && op.auth !== "public" && !op.path.startsWith("/admin/")) {
    parameters.push({
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description: "A retry with the same key (same API key, 24 h) gets the first answer back",
      schema: { type: "string", minLength: 1, maxLength: 255 },
    });
  }
  parameters.push({ $ref: "#/components/parameters/AcceptLanguage" });
  return {
    operationId: op.id,
    summary: op.summary,
    description: op.auth === "public" || op.auth === "site-token" ? op.summary : `${op.summary}. Least role: \`${op.auth}\`.`,
    tags: [op.tag],
    security: op.auth === "public" ? [] : op.auth === "site-token" ? [{ siteToken: [] }] : [{ apiKey: [] }],
    "x-required-role": op.auth,
    parameters,
    ...(op.body
      ? { requestBody: { required: !op.bodyOptional, content: { "application/json": { schema: schemaOf(op.body, "input") } } } }
      : {}),
    responses: { [op.ok.status]: successResponse(op), ...errorResponses(op) },
  };
}

const TAGS: Record<string, string> = {
  service: "Status and this reference",
  agent: "The site agent's WebSocket",
  devices: "The device registry",
  device: "Terminal questions and its clock",
  users: "Users on a terminal, undo and offboarding",
  attendance: "Attendance records",
  admin: "Sites, API keys and the audit log",
};

/** The whole document. */
export function buildOpenApi(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) {
    const key = openApiPath(op.path);
    paths[key] = { ...paths[key], [op.method.toLowerCase()]: operationObject(op) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "zk-relay gateway",
      version,
      description: "Manage LAN-only ZKTeco terminals over HTTP. Messages are Spanish by default; send Accept-Language: en.",
      license: { name: "MIT", identifier: "MIT" },
    },
    // Relative: the reference's try-it calls the gateway that served it (npm start's, or a deployed worker).
    servers: [{ url: "/", description: "This gateway" }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      headers: HEADERS,
      parameters: {
        AcceptLanguage: {
          name: "Accept-Language",
          in: "header",
          required: false,
          description: "`en` for English messages; Spanish otherwise",
          schema: { type: "string" },
        },
      },
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "API key (roles read, write, admin)" },
        siteToken: { type: "http", scheme: "bearer", description: "Agent token of one site (POST /admin/sites)" },
      },
    },
  };
}
