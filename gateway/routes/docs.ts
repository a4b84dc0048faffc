// GET /openapi.json (generated from the operation declarations) and GET /docs (Scalar's interactive reference of it).
import { Scalar } from "@scalar/hono-api-reference";
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { buildOpenApi } from "../openapi";
import { VERSION } from "./root";

/**
 * The browser loads Scalar's standalone bundle from jsDelivr, pinned so the page does not change under us; the
 * worker serves only the page and /openapi.json (the reference needs a browser with internet access).
 */
export const SCALAR_CDN = "https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.76.0";

let cached: Record<string, unknown> | undefined;
const openApi = () => (cached ??= buildOpenApi(VERSION));

export const docs = new Hono<AppEnv>()
  .get("/openapi.json", (c) => c.json(openApi()))
  .get("/docs", Scalar({ url: "/openapi.json", cdn: SCALAR_CDN, pageTitle: "zk-relay API" }));
