// Builds the OpenAPI 3.1 document from the operations catalogue and the zod schemas (zod 4 z.toJSONSchema).
import { z } from "zod";
import { ERROR_CODES, ERROR_STATUS, type ErrorCode } from "../shared/errors";
import { OPERATIONS, type Operation } from "./operations";

type Json = Record<string, unknown>;

/** JSON Schema (2020-12, as OpenAPI 3.1 uses) of a zod schema, without the `$schema` line. */
function schemaOf(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
  return rest;
}

const ERROR_REF = { $ref: "#/components/schemas/Error" };

const ERROR_SCHEMA: Json = {
  type: "object",
  required: ["success", "error", "code"],
  properties: {
    success: { const: false },
    error: { type: "string", description: "Human text: Spanish by default, English with Accept-Language: en" },
    code: { enum: ERROR_CODES },
    disponibles: { type: "array", items: { type: "string" }, description: "DEVICE_NOT_FOUND: the device ids the key may see" },
    details: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } },
    data: { type: "object" },
  },
};

/** `/devices/:id` → `/devices/{id}` */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, "{$1}");
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

function errorCodes(op: Operation): ErrorCode[] {
  const codes = new Set<ErrorCode>(op.errors);
  if (op.auth !== "public") codes.add("UNAUTHORIZED");
  if (op.auth === "write" || op.auth === "admin") codes.add("FORBIDDEN");
  if (op.method !== "GET") codes.add("IDEMPOTENCY_CONFLICT");
  const bodyCodes: ErrorCode[] = ["BAD_REQUEST", "VALIDATION_FAILED", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"];
  if (op.body) bodyCodes.forEach((k) => codes.add(k));
  return [...codes];
}

function operationObject(op: Operation): Json {
  const parameters: Json[] = [...op.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  for (const [name, field] of Object.entries(op.query?.shape ?? {})) {
    const schema = field as z.ZodType;
    parameters.push({ name, in: "query", required: !schema.safeParse(undefined).success, schema: schemaOf(schema, "input") });
  }
  if (op.method !== "GET") {
    parameters.push({ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", minLength: 1, maxLength: 255 } });
  }
  const responses: Json = {
    [op.ok.status]: {
      description: op.ok.status === 101 ? "Switching Protocols (WebSocket)" : "Success",
      ...(op.ok.status === 101 ? {} : { content: { "application/json": { schema: successSchema(op) } } }),
    },
  };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodes(op)) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    responses[status] = { description: codes.join(", "), content: { "application/json": { schema: ERROR_REF } } };
  }
  return {
    operationId: op.id,
    summary: op.summary,
    tags: [op.tag],
    security: op.auth === "public" ? [] : op.auth === "site-token" ? [{ siteToken: [] }] : [{ apiKey: [] }],
    "x-required-role": op.auth,
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? { requestBody: { required: !op.bodyOptional, content: { "application/json": { schema: schemaOf(op.body, "input") } } } }
      : {}),
    responses,
  };
}

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
    },
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "API key (roles read, write, admin)" },
        siteToken: { type: "http", scheme: "bearer", description: "Agent token of one site (POST /admin/sites)" },
      },
    },
  };
}
