// People across terminals (docs/people.md): where a person is enrolled, copying them, and offboardings read back or undone.
import { Hono } from "hono";
import { requireRole } from "../auth/roles";
import type { AppEnv } from "../http/app-env";
import { copyUser } from "../people/copy";
import { getOffboardingRoute, undoOffboardingRoute } from "../people/offboardings";
import { whereIsUser } from "../people/where";

export const people = new Hono<AppEnv>()
  .get("/users/:user_id", requireRole("read"), whereIsUser)
  .post("/users/:user_id/copy", requireRole("write"), copyUser)
  .get("/offboardings/:id", requireRole("read"), getOffboardingRoute)
  .post("/offboardings/:id/undo", requireRole("write"), undoOffboardingRoute);
