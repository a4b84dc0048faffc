// DELETE /users/{user_id}: offboarding in one call (docs/people.md §2): explicit scope, an id, success only when every device is final.
import { Hono } from "hono";
import { requireRole } from "../auth/roles";
import type { AppEnv } from "../http/app-env";
import { offboard } from "../people/offboard";

export const offboarding = new Hono<AppEnv>().delete("/:user_id", requireRole("write"), offboard);
