// GET /devices/{id}/deleted-users: the undo snapshots of a device (the user ops themselves are in terminal.ts).
import { Hono } from "hono";
import { listDeletedUsers } from "../db/snapshots";
import type { AppEnv } from "../http/app-env";
import { ok } from "../http/envelope";

export const users = new Hono<AppEnv>().get("/deleted-users", async (c) => ok(c, await listDeletedUsers(c.env.DB, c.var.device.id)));
