// GET /: the seed's status answer, with our version and the registry's device count (public, no key).
import { Hono } from "hono";
import { version } from "../../package.json";
import { countDevices } from "../db/devices";
import type { AppEnv } from "../http/app-env";
import { ok } from "../http/envelope";

export const SERVICE = "zk-relay";
export const VERSION: string = version;

export const root = new Hono<AppEnv>().get("/", async (c) =>
  ok(c, { service: SERVICE, status: "ok", version: VERSION, devices: await countDevices(c.env.DB) }),
);
